import { remoteValueSetUses } from './remote-value-sets.js';

const MAPPING = [
  'triggers:',
  '  - id: medication',
  '    keyMoment: medication-change',
  '    resourceType: MedicationRequest',
  '    decisionAid: aid-a',
  '    recipients: [patient]',
  '    codes:',
  '      - valueSet: https://terminology.example.org/fhir/ValueSet/astma-medicatie|2026-03',
  '      - valueSet: valuesets/atc.json',
  '      - valueSet: https://sdm-bridge.org/fhir/ValueSet/local',
  '      - { system: "http://www.whocc.no/atc", prefix: R03 }',
  '  - id: evaluation',
  '    keyMoment: evaluation',
  '    resourceType: Encounter',
  '    decisionAid: aid-a',
  '    recipients: [patient]',
  '    codes:',
  '      - valueSet: urn:oid:2.16.840.1.113883.2.4.3.11.60.40.2.5.1.1',
].join('\n');
/** A local file with a url: that canonical URL needs no server. */
const LOCAL = {
  name: 'valuesets/local.json',
  text: JSON.stringify({
    resourceType: 'ValueSet',
    url: 'https://sdm-bridge.org/fhir/ValueSet/local',
    compose: { include: [{ system: 'http://snomed.info/sct', concept: [{ code: '195967001' }] }] },
  }),
};

describe('remoteValueSetUses', () => {
  it('lists the canonical URLs no local file provides, with file, line and field', () => {
    expect(remoteValueSetUses([{ name: 'a.yaml', text: MAPPING }], {}, [LOCAL])).toEqual([
      {
        name: 'https://terminology.example.org/fhir/ValueSet/astma-medicatie|2026-03',
        file: 'a.yaml',
        line: 8,
        field: 'triggers[0].codes[0].valueSet',
      },
      {
        name: 'urn:oid:2.16.840.1.113883.2.4.3.11.60.40.2.5.1.1',
        file: 'a.yaml',
        line: 18,
        field: 'triggers[1].codes[0].valueSet',
      },
    ]);
  });

  it('leaves a missing file name to the compile step (it is no URL)', () => {
    const uses = remoteValueSetUses([{ name: 'a.yaml', text: MAPPING }], {}, [LOCAL]);
    expect(uses.map((use) => use.name)).not.toContain('valuesets/atc.json');
  });
});
