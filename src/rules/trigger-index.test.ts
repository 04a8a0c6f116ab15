import type { Encounter, MedicationRequest, Resource } from '@medplum/fhirtypes';
import { checkTrigger } from './check-trigger.js';
import { compileMappings } from './compile-mappings.js';
import { createEventMemo } from './event-memo.js';
import { selectTriggers } from './trigger-index.js';
import type { RuleFacts } from './types.js';

const ATC = 'http://www.whocc.no/atc';
const SNOMED = 'http://snomed.info/sct';
const PRK = 'urn:oid:2.16.840.1.113883.2.4.4.10';

const trigger = (id: string, resourceType: string, extra: string) =>
  `  - { id: ${id}, keyMoment: evaluation, resourceType: ${resourceType}, decisionAid: aid, recipients: [patient], ${extra} }`;

// Triggers for one type that differ only in their codes, plus the cases the index must leave alone.
const MAPPINGS = compileMappings(
  [
    {
      name: 'index.yaml',
      text: [
        'decisionAids:',
        '  - { id: aid, title: Aid, activityDefinition: "https://aid.example.org/fhir/ActivityDefinition/a", delivery: { type: http-api, url: "http://127.0.0.1:4010/api", auth: { type: none }, body: { a: 1 }, linkField: url } }',
        'triggers:',
        trigger('r03-prefix', 'MedicationRequest', `codes: [{ system: "${ATC}", prefix: R03 }]`),
        trigger('r03ba-prefix', 'MedicationRequest', `codes: [{ system: "${ATC}", prefix: R03BA }]`),
        trigger('fluticason', 'MedicationRequest', `codes: [{ system: "${ATC}", code: R03BA05 }]`),
        trigger(
          'insulin-or-prk',
          'MedicationRequest',
          `codes: [{ system: "${ATC}", prefix: A10A }, { system: "${PRK}", code: "12345" }]`,
        ),
        trigger(
          'create-only',
          'MedicationRequest',
          `interactions: [create], codes: [{ system: "${ATC}", prefix: C09 }]`,
        ),
        trigger(
          'reason-asthma',
          'MedicationRequest',
          `codes: [{ path: reasonCode, system: "${SNOMED}", code: "195967001" }]`,
        ),
        trigger('no-codes', 'MedicationRequest', `condition: "status = 'active'"`),
        trigger('visit', 'Encounter', `codes: [{ path: reasonCode, system: "${SNOMED}", code: "195967001" }]`),
        trigger('visit-type', 'Encounter', `codes: [{ path: type, system: "${SNOMED}", code: "185349003" }]`),
      ].join('\n'),
    },
  ],
  {},
);

function medication(...codings: { system: string; code?: string }[]): MedicationRequest & { id: string } {
  return {
    resourceType: 'MedicationRequest',
    id: 'm1',
    status: 'active',
    intent: 'order',
    subject: { reference: 'Patient/p1' },
    medicationCodeableConcept: { coding: codings },
  };
}

function facts(resource: Resource & { id: string }, interaction: RuleFacts['interaction'] = 'update'): RuleFacts {
  return {
    resource,
    interaction,
    occurredAt: '2025-06-02T10:00:00Z',
    patient: { resourceType: 'Patient', id: 'p1' },
    relatedPersons: [],
  };
}

/** The reason (or `fires`) of every trigger of the type, with the index and by checking each trigger in full. */
function bothWays(input: RuleFacts) {
  const memo = createEventMemo(input.resource);
  const indexed = selectTriggers(MAPPINGS.triggerIndex, input, memo.evaluate).map((selected) =>
    'reason' in selected
      ? [selected.triggerId, selected.reason]
      : [selected.id, checkTrigger(selected, input, memo) ?? 'fires'],
  );
  const inFull = (MAPPINGS.triggersByType.get(input.resource.resourceType) ?? []).map((t) => [
    t.id,
    checkTrigger(t, input) ?? 'fires',
  ]);
  return {
    indexed,
    inFull,
    ruledOut: selectTriggers(MAPPINGS.triggerIndex, input, memo.evaluate).filter((s) => 'reason' in s).length,
  };
}

describe('selectTriggers', () => {
  it.each<[string, number, RuleFacts]>([
    ['an ATC code meets its exact code and both prefixes', 2, facts(medication({ system: ATC, code: 'R03BA05' }))],
    ['a code shorter than a prefix', 5, facts(medication({ system: ATC, code: 'R0' }))],
    ['another ATC group', 5, facts(medication({ system: ATC, code: 'N02BE01' }))],
    ['a second filter in another system', 4, facts(medication({ system: PRK, code: '12345' }))],
    ['no coding at all', 5, facts(medication())],
    ['a coding without a code', 5, facts(medication({ system: ATC }))],
    ['the same code in another system', 5, facts(medication({ system: SNOMED, code: 'R03BA05' }))],
    [
      'an interaction the trigger does not take, codes that would not match either',
      0,
      facts(medication({ system: ATC, code: 'R03AC02' }), 'delete'),
    ],
    ['a create that matches create-only', 5, facts(medication({ system: ATC, code: 'C09AA02' }), 'create')],
    [
      'codes at two paths',
      3,
      facts({
        ...medication({ system: ATC, code: 'A10AB05' }),
        reasonCode: [{ coding: [{ system: SNOMED, code: '195967001' }] }],
      }),
    ],
    [
      'an Encounter meets only Encounter triggers',
      1,
      facts({
        resourceType: 'Encounter',
        id: 'e1',
        status: 'finished',
        class: { code: 'AMB' },
        reasonCode: [{ coding: [{ system: SNOMED, code: '195967001' }] }],
      } as Encounter & { id: string }),
    ],
  ])('%s: same outcome as checking every trigger, %i ruled out by the index', (_name, ruledOut, input) => {
    const result = bothWays(input);
    expect(result.indexed).toEqual(result.inFull);
    expect(result.ruledOut).toBe(ruledOut);
  });

  it('gives a type without triggers nothing to check', () => {
    expect(
      selectTriggers(
        MAPPINGS.triggerIndex,
        facts({ resourceType: 'Observation', id: 'o1', status: 'final', code: {} }),
        () => [],
      ),
    ).toEqual([]);
  });

  it('leaves a trigger whose code path fails to checkTrigger, which reports the failure', () => {
    const input = facts(medication({ system: ATC, code: 'N02BE01' }));
    const failing = (path: { expression: string }) => {
      if (path.expression === 'reasonCode') throw new Error('boom');
      return createEventMemo(input.resource).evaluate(path as never);
    };
    const selected = selectTriggers(MAPPINGS.triggerIndex, input, failing);
    expect(selected.filter((s) => !('reason' in s)).map((s) => ('id' in s ? s.id : ''))).toEqual([
      'create-only',
      'reason-asthma',
      'no-codes',
    ]); // create-only: not for an update, which checkTrigger says first
  });
});
