import { expectAllowedReferenceTargets } from '../../test/helpers/reference-targets.js';
import type { InvitationJobData } from '../queue/job-types.js';
import type { DecisionAid } from '../rules/types.js';
import { assertValidResource } from '../shared/fhir-definitions.js';
import { TASK_BUSINESS_STATUS_SYSTEM, TASK_STATUS_REASON_SYSTEM } from './contact-hold.js';
import { INVITATION_ID_SYSTEM, TASK_CODE_SYSTEM } from './invitation-task-codes.js';
import { buildNoRepresentativeTask } from './no-representative-task.js';

const NOW = '2025-03-01T10:00:00.000Z';
const aid: DecisionAid = {
  id: 'astma-kind',
  title: 'Keuzehulp astma',
  activityDefinition: 'https://keuzehulp.example.org/fhir/ActivityDefinition/astma-kind|2.1',
  koppeltaal: false,
  delivery: { type: 'signed-link', baseUrl: 'https://keuzehulp.example.org/s', secret: 's', validForMs: 1000 },
};
const job: InvitationJobData = {
  invitationId: 'inv-0002',
  eventKey: 'hix|MedicationRequest/mr-1/_history/3',
  source: 'hix',
  triggerId: 'astma-medicatiewijziging',
  keyMoment: 'medication-change',
  decisionAidId: aid.id,
  patient: 'Patient/kind-1',
  recipient: { role: 'guardian', reference: 'Patient/kind-1' },
  noRepresentative: true,
  focus: 'MedicationRequest/mr-1/_history/3',
  occurredAt: '2025-03-01T09:00:00Z',
};

describe('buildNoRepresentativeTask', () => {
  const task = buildNoRepresentativeTask(job, aid, NOW);

  it('is on hold for the patient, without owner, with the reason and what to do', () => {
    expect(task).toMatchObject({
      status: 'on-hold',
      intent: 'order',
      for: { reference: 'Patient/kind-1', type: 'Patient' },
      focus: { reference: job.focus, type: 'MedicationRequest' },
      basedOn: [{ reference: 'MedicationRequest/mr-1', type: 'MedicationRequest' }],
      identifier: [{ system: INVITATION_ID_SYSTEM, value: 'inv-0002' }],
      code: { coding: [expect.objectContaining({ system: TASK_CODE_SYSTEM })] },
      statusReason: {
        coding: [expect.objectContaining({ system: TASK_STATUS_REASON_SYSTEM, code: 'no-representative' })],
        text: expect.stringContaining('ouder of wettelijk vertegenwoordiger'),
      },
      businessStatus: {
        coding: [expect.objectContaining({ system: TASK_BUSINESS_STATUS_SYSTEM, code: 'representative-needed' })],
        text: expect.stringContaining('Leg een ouder of wettelijk vertegenwoordiger vast als contactpersoon'),
      },
    });
    expect(task.owner).toBeUndefined();
    expect(task.input?.some((i) => i.valueUrl)).toBe(false);
  });

  it('tells the care team in its description and narrative, and is a valid R4 Task', () => {
    expect(task.description).toMatch(
      /^Geen uitnodiging verstuurd voor keuzehulp 'Keuzehulp astma' bij de medicatiewijziging/,
    );
    expect(task.text?.div).toContain('persoonlijk');
    expect(() => assertValidResource(task)).not.toThrow();
    expect(() => expectAllowedReferenceTargets([task])).not.toThrow();
  });
});
