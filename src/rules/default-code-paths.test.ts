import { evalFhirPath } from '@medplum/core';
import type { Condition, Encounter } from '@medplum/fhirtypes';
import { defaultCodePath } from './default-code-paths.js';

const VER_STATUS = 'http://terminology.hl7.org/CodeSystem/condition-ver-status';

/** A linked reason Condition as the events job offers it: contained in the encounter. */
function reason(id: string, code: string, verification?: string): Condition {
  return {
    resourceType: 'Condition',
    id,
    subject: { reference: 'Patient/p1' },
    code: { coding: [{ system: 'http://snomed.info/sct', code }] },
    ...(verification ? { verificationStatus: { coding: [{ system: VER_STATUS, code: verification }] } } : {}),
  };
}

function encounterCodes(...conditions: Condition[]): string[] {
  const encounter: Encounter = {
    resourceType: 'Encounter',
    status: 'finished',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
    contained: conditions,
  };
  return evalFhirPath(`(${defaultCodePath('Encounter')!}).coding.code`, encounter) as string[];
}

describe('the default code path of an Encounter', () => {
  it('reads the codes of its reason and diagnosis Conditions, confirmed or still a working diagnosis', () => {
    expect(
      encounterCodes(reason('a', '195967001', 'confirmed'), reason('b', '233678006', 'provisional'), reason('c', '1')),
    ).toEqual(['195967001', '233678006', '1']);
  });

  it.each(['refuted', 'entered-in-error'])('leaves out a Condition whose verification status is %s', (status) => {
    expect(encounterCodes(reason('a', '195967001', status), reason('b', '233678006', 'confirmed'))).toEqual([
      '233678006',
    ]);
  });
});
