import type { Patient, Task } from '@medplum/fhirtypes';
import { kt2Problems, kt2Profile } from '../../test/helpers/kt2-profiles.js';
import { expectAllowedReferenceTargets } from '../../test/helpers/reference-targets.js';
import { assertValidResource } from '../shared/fhir-definitions.js';
import { buildKt2AuditEvent } from './build-kt2-audit-event.js';
import { buildKt2Patient, storeIdentifierOf } from './build-kt2-patient.js';
import { buildKt2Task, kt2TaskQuery } from './build-kt2-task.js';
import { BSN_SYSTEM } from './koppeltaal-settings.js';
import { RESOURCE_ORIGIN_URL } from './kt2-codes.js';

const AID = {
  title: 'Keuzehulp astma',
  activityDefinition: 'https://keuzehulp.example.org/fhir/ActivityDefinition/astma-kind|2.1',
};
const NOW = '2025-03-01T10:00:05.000Z';

function task(status: 'ready' | 'on-hold' = 'ready'): Task {
  return buildKt2Task({
    invitationId: 'inv-0001',
    aid: AID,
    patient: 'Patient/kt-1',
    status,
    deviceId: 'dev-1',
    now: NOW,
  });
}

describe('buildKt2Task', () => {
  it.each(['ready', 'on-hold'] as const)('conforms to KT2Task v0.8 and R4 when %s', (status) => {
    const built = task(status);
    expect(kt2Problems(built, 'KT2Task')).toEqual([]);
    expect(() => assertValidResource(built)).not.toThrow();
    expectAllowedReferenceTargets([built]);
    expect(built).toMatchObject({
      status,
      intent: 'order',
      priority: 'routine',
      instantiatesCanonical: AID.activityDefinition,
      for: { reference: 'Patient/kt-1' },
      owner: { reference: 'Patient/kt-1' },
      identifier: [{ value: 'inv-0001' }],
    });
    expect(built.extension).toEqual([
      { url: RESOURCE_ORIGIN_URL, valueReference: { reference: 'Device/dev-1', type: 'Device' } },
    ]);
  });

  it('leaves out every element KT2Task forbids', () => {
    const forbidden = [
      'basedOn',
      'focus',
      'reasonCode',
      'input',
      'output',
      'statusReason',
      'businessStatus',
      'restriction',
    ];
    expect(Object.keys(task()).filter((key) => forbidden.includes(key))).toEqual([]);
  });

  // The validator must really apply the profile: each of these is valid R4 but not a KT2Task.
  it.each<[string, Partial<Task>]>([
    ['focus', { focus: { reference: 'MedicationRequest/1' } }],
    ['basedOn', { basedOn: [{ reference: 'CarePlan/1' }] }],
    ['reasonCode', { reasonCode: { text: 'medicatiewijziging' } }],
    ['input', { input: [{ type: { text: 'link' }, valueUrl: 'https://example.org/' }] }],
    ['output', { output: [{ type: { text: 'result' }, valueString: 'x' }] }],
    ['statusReason', { statusReason: { text: 'wacht' } }],
    ['businessStatus', { businessStatus: { text: 'wacht' } }],
    ['restriction', { restriction: { period: { end: NOW } } }],
    ['a priority other than routine', { priority: 'urgent' }],
    ['no owner', { owner: undefined }],
    ['no identifier', { identifier: undefined }],
  ])('a Task with %s is refused by the KT2Task profile', (_name, change) => {
    const violating = { ...task(), ...change };
    expect(() => assertValidResource(violating)).not.toThrow(); // plain R4 accepts it
    expect(kt2Problems(violating, 'KT2Task')).not.toEqual([]);
  });

  it('is written once per invitation: the conditional create looks for its identifier', () => {
    expect(kt2TaskQuery('inv 1')).toBe('identifier=https://sdm-bridge.org/fhir/NamingSystem/invitation-id|inv%201');
  });
});

describe('buildKt2AuditEvent', () => {
  const input = {
    task: 'Task/t-1',
    patient: 'Patient/kt-1',
    invitationId: 'inv-0001',
    deviceId: 'dev-1',
    recorded: NOW,
  };

  it('conforms to KT2AuditEvent v0.8 and R4, naming this application as agent and observer', () => {
    const event = buildKt2AuditEvent(input);
    expect(kt2Problems(event, 'KT2AuditEvent')).toEqual([]);
    expect(() => assertValidResource(event)).not.toThrow();
    expectAllowedReferenceTargets([event]);
    expect(event.agent[0]?.who).toEqual({ reference: 'Device/dev-1', type: 'Device' });
    expect(event.source.observer).toEqual({ reference: 'Device/dev-1', type: 'Device' });
    expect(event.entity?.map((e) => e.what?.reference)).toEqual(['Task/t-1', 'Patient/kt-1']);
  });

  it('has the same key for the same write, so a retry finds the first record', () => {
    expect(buildKt2AuditEvent(input).meta?.tag).toEqual(
      buildKt2AuditEvent({ ...input, recorded: '2026-01-01T00:00:00Z' }).meta?.tag,
    );
    expect(buildKt2AuditEvent(input).meta?.tag).not.toEqual(
      buildKt2AuditEvent({ ...input, task: 'Task/t-2' }).meta?.tag,
    );
  });

  it.each<[string, object]>([
    ['purposeOfEvent', { purposeOfEvent: [{ text: 'behandeling' }] }],
    ['no entity', { entity: undefined }],
    [
      'an agent with a name',
      { agent: [{ type: { text: 'x' }, who: { reference: 'Device/dev-1' }, requestor: true, name: 'x' }] },
    ],
    ['an agent without type', { agent: [{ who: { reference: 'Device/dev-1' }, requestor: true }] }],
  ])('an AuditEvent with %s is refused by the KT2AuditEvent profile', (_name, change) => {
    expect(kt2Problems({ ...buildKt2AuditEvent(input), ...change }, 'KT2AuditEvent')).not.toEqual([]);
  });
});

describe('buildKt2Patient', () => {
  const epdPatient: Patient = {
    resourceType: 'Patient',
    id: 'epd-7',
    identifier: [
      { system: 'urn:oid:2.16.840.1.113883.2.4.3.1', value: 'hix-123' },
      { system: BSN_SYSTEM, value: '999911120' },
    ],
    name: [{ use: 'official', family: 'Jansen', given: ['Sanne'] }],
    gender: 'female',
    birthDate: '2012-04-01',
    telecom: [{ system: 'email', value: 'sanne@example.org' }],
    address: [{ city: 'Utrecht' }],
  };

  it('sends only what KT2Patient requires: the BSN, active, official name, gender and birth date', () => {
    const patient = buildKt2Patient(epdPatient, storeIdentifierOf(epdPatient, BSN_SYSTEM), 'dev-1');
    expect(Object.keys(patient).sort()).toEqual(
      ['active', 'birthDate', 'extension', 'gender', 'identifier', 'meta', 'name', 'resourceType'].sort(),
    );
    expect(patient.identifier).toEqual([{ system: BSN_SYSTEM, value: '999911120' }]);
    expect(() => assertValidResource(patient)).not.toThrow();
  });

  it('refuses for good a patient without the identifier the store knows them by', () => {
    expect(() => storeIdentifierOf({ ...epdPatient, identifier: [] }, BSN_SYSTEM)).toThrow(
      expect.objectContaining({ retry: false, message: expect.stringContaining(BSN_SYSTEM) }),
    );
  });

  it('names what the EPD lacks when the patient cannot be created as a KT2Patient', () => {
    const bare: Patient = { resourceType: 'Patient', identifier: epdPatient.identifier };
    expect(() => buildKt2Patient(bare, { system: BSN_SYSTEM, value: '1' }, 'dev-1')).toThrow(
      /a name with family and given names, gender, birthDate/,
    );
  });
});

describe('the ActivityDefinition a KT2Task instantiates', () => {
  it('is a KT2ActivityDefinition, which the platform publishes in the store (not this service)', () => {
    const taskProfile = kt2Profile('KT2Task');
    const target = taskProfile.snapshot?.element?.find((e) => e.id === 'Task.instantiatesCanonical')?.type?.[0];
    expect(target?.targetProfile).toEqual([kt2Profile('KT2ActivityDefinition').url]);
  });
});
