import type { Observation, QuestionnaireResponse, Task } from '@medplum/fhirtypes';
import { expectAllowedReferenceTargets } from '../../test/helpers/reference-targets.js';
import { ASTHMA_AID, resultJob } from '../../test/fixtures/results/result-fixtures.js';
import { buildInvitationTask, invitationTaskQuery } from '../decision-aids/build-invitation-task.js';
import { containedRepresentative } from '../decision-aids/contact-recipient.js';
import { createFakeEpdClient } from '../epd/fake-epd-client.js';
import type { InvitationJobData } from '../queue/job-types.js';
import { assertValidResource } from '../shared/fhir-definitions.js';
import { CONTACT_AUTHOR_DISPLAY } from './build-result-resources.js';
import { findInvitation } from './find-invitation.js';
import { loadQuestionnaires } from './load-questionnaires.js';
import { planResultWrite } from './plan-result-write.js';
import { writeResult } from './write-result.js';

/** A result for an invitation whose recipient is a parent known only as a Patient.contact (contained in the Task). */

const job: InvitationJobData = {
  invitationId: 'inv-contact',
  eventKey: 'hix|MedicationRequest/m1/_history/1',
  source: 'hix',
  triggerId: 'astma-medicatiewijziging',
  keyMoment: 'medication-change',
  decisionAidId: ASTHMA_AID.id,
  patient: 'Patient/kind-1',
  recipient: { role: 'guardian', reference: 'Patient/kind-1', contact: 'contact-0123456789abcdef01234567' },
  focus: 'MedicationRequest/m1/_history/1',
  occurredAt: '2026-03-02T09:00:00Z',
};
const parent = containedRepresentative('Patient/kind-1', {
  relationship: [{ coding: [{ system: 'urn:oid:2.16.840.1.113883.2.4.3.11.22.472', code: '24' }] }],
  name: { text: 'J. de Vries' },
  telecom: [{ system: 'email', value: 'vertegenwoordiger@example.org' }],
});

async function storedTask(contained = true) {
  const epd = createFakeEpdClient();
  const built = buildInvitationTask(
    job,
    ASTHMA_AID,
    { link: 'https://keuzehulp.example.org/start/1' },
    '2026-03-02T11:00:00Z',
    undefined,
    parent,
  );
  const task = contained ? built : { ...built, contained: [] };
  const { resource } = await epd.createIfNoneExist<Task>(task, invitationTaskQuery(job.invitationId));
  return { epd, task: `Task/${resource.id}` };
}

describe('results for a parent known only as a Patient.contact', () => {
  it('the invitation is found with the contained parent as author, a guardian', async () => {
    const { epd, task } = await storedTask();
    const found = await findInvitation(epd, { invitationId: job.invitationId, field: 'invitation' }, ASTHMA_AID);
    expect(found).toMatchObject({
      task,
      patient: 'Patient/kind-1',
      author: { role: 'guardian', reference: '#vertegenwoordiger' },
    });
  });

  it('a Task whose owner points at nothing it contains names no recipient', async () => {
    const { epd } = await storedTask(false);
    await expect(
      findInvitation(epd, { invitationId: job.invitationId, field: 'invitation' }, ASTHMA_AID),
    ).rejects.toThrow('names no patient or recipient');
  });

  it('writes responses that name the parent in words, valid and with allowed references, and completes the Task', async () => {
    const { epd, task } = await storedTask();
    const questionnaires = await loadQuestionnaires('mappings/questionnaires');
    const result = {
      ...resultJob(task),
      invitationId: job.invitationId,
      author: { role: 'guardian' as const, reference: '#vertegenwoordiger' },
    };
    await writeResult(epd, planResultWrite(result, questionnaires, '2026-03-02T20:16:05Z').plan);
    const responses = await epd.search<QuestionnaireResponse>('QuestionnaireResponse', {});
    const observations = await epd.search<Observation>('Observation', {});
    expect(responses.length).toBeGreaterThan(0);
    for (const response of responses) {
      expect(response.author).toEqual({ type: 'RelatedPerson', display: CONTACT_AUTHOR_DISPLAY });
      expect(response.text?.div).toContain('de ouder of voogd');
      expect(JSON.stringify(response)).not.toContain('de Vries');
      expect(() => assertValidResource(response)).not.toThrow();
    }
    for (const observation of observations) expect(observation.performer).toBeUndefined();
    expect(observations.find((o) => o.valueQuantity)?.text?.div).toContain('de ouder of voogd');
    expect((await epd.read<Task>(task)).status).toBe('completed');
    expect(() => expectAllowedReferenceTargets([...responses, ...observations])).not.toThrow();
  });
});
