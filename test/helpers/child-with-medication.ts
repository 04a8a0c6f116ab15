import type { Consent, MedicationRequest, Patient, RelatedPerson } from '@medplum/fhirtypes';
import type { FakeEpdClient } from '../../src/epd/fake-epd-client.js';

/** What the seeded record may vary: the medicine's ATC code, the child's fields, the child's Consents. */
export interface ChildRecord {
  atc?: string;
  patient?: Partial<Patient>;
  consents?: Consent[];
}

/**
 * A child at the paediatric department (`Patient/kind-1`, born 2010), the mother as RelatedPerson,
 * and a medication agreement `MedicationRequest/ma-1` (asthma, R03BA05, unless `atc` says otherwise):
 * the record an events job test reads from the memory EPD.
 */
export async function seedChildWithMedication(epd: FakeEpdClient, record: ChildRecord = {}): Promise<void> {
  const put = <T extends { resourceType: string; id?: string }>(r: T) => epd.repo.updateResource(r as never);
  await put<Patient>({
    resourceType: 'Patient',
    id: 'kind-1',
    birthDate: '2010-01-01',
    managingOrganization: { reference: 'Organization/kinderlongziekten' },
    ...record.patient,
  });
  await put<RelatedPerson>({
    resourceType: 'RelatedPerson',
    id: 'moeder',
    patient: { reference: 'Patient/kind-1' },
    relationship: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-RoleCode', code: 'MTH' }] }],
  });
  await put<MedicationRequest>({
    resourceType: 'MedicationRequest',
    id: 'ma-1',
    status: 'active',
    intent: 'order',
    category: [{ coding: [{ system: 'http://snomed.info/sct', code: '16076005' }] }],
    medicationCodeableConcept: { coding: [{ system: 'http://www.whocc.no/atc', code: record.atc ?? 'R03BA05' }] },
    subject: { reference: 'Patient/kind-1' },
  });
  for (const consent of record.consents ?? []) await put(consent);
}
