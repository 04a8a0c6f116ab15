import type { Bundle, Observation, QuestionnaireResponse } from '@medplum/fhirtypes';
import { expectAllowedReferenceTargets, referenceTargetProblems } from './reference-targets.js';

// Target types as R4 lists them (hl7.org/fhir/R4/questionnaireresponse.html, observation.html).
const response = (basedOn: QuestionnaireResponse['basedOn']): QuestionnaireResponse => ({
  resourceType: 'QuestionnaireResponse',
  status: 'completed',
  basedOn,
  subject: { reference: 'Patient/p1' },
});

describe('referenceTargetProblems', () => {
  it.each([
    ['basedOn → Task', response([{ reference: 'Task/t1' }]), ['QuestionnaireResponse.basedOn[0] Task']],
    [
      'basedOn → Task by type only',
      response([{ type: 'Task', identifier: { value: 'x' } }]),
      ['QuestionnaireResponse.basedOn[0] Task'],
    ],
    ['basedOn → CarePlan', response([{ reference: 'CarePlan/c1' }]), []],
    [
      'an absolute reference to ServiceRequest',
      response([{ reference: 'https://epd.example.org/fhir/ServiceRequest/s1' }]),
      [],
    ],
  ])('%s', (_name, resource, expected) => {
    expect(referenceTargetProblems(resource).map((p) => `${p.path} ${p.target}`)).toEqual(expected);
  });

  it('walks backbone elements, choice types and contained resources', () => {
    const observation: Observation = {
      resourceType: 'Observation',
      status: 'final',
      code: { text: 'x' },
      performer: [{ reference: 'RelatedPerson/r1' }, { reference: 'Task/t1' }],
      contained: [
        {
          resourceType: 'QuestionnaireResponse',
          id: 'q',
          status: 'completed',
          subject: { reference: 'Patient/p' },
          basedOn: [{ reference: 'Encounter/e1' }],
        },
      ],
      component: [{ code: { text: 'y' }, valueString: 'z' }],
    };
    expect(
      referenceTargetProblems(observation)
        .map((p) => `${p.path} ${p.target}`)
        .sort(),
    ).toEqual(['Observation.contained[0].basedOn[0] Encounter', 'Observation.performer[1] Task']);
  });

  it('resolves urn:uuid references through the fullUrls of a transaction', () => {
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { fullUrl: 'urn:uuid:1', resource: { resourceType: 'Task', status: 'ready', intent: 'order' } },
        {
          fullUrl: 'urn:uuid:2',
          resource: {
            resourceType: 'Observation',
            status: 'final',
            code: { text: 'x' },
            derivedFrom: [{ reference: 'urn:uuid:1' }],
          },
        },
      ],
    };
    expect(() => expectAllowedReferenceTargets([bundle])).toThrow(/Bundle.entry\[1\].resource.derivedFrom\[0\] → Task/);
  });

  it('allows any target where R4 says Reference(Any), such as Task.output and extensions', () => {
    expect(
      referenceTargetProblems({
        resourceType: 'Task',
        status: 'completed',
        intent: 'order',
        output: [{ type: { text: 'x' }, valueReference: { reference: 'QuestionnaireResponse/q1' } }],
        extension: [{ url: 'https://example.org/x', valueReference: { reference: 'Task/t2' } }],
      } as never),
    ).toEqual([]);
  });
});
