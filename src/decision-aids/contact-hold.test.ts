import type { RelatedPerson } from '@medplum/fhirtypes';
import { createFakeEpdClient } from '../epd/fake-epd-client.js';
import type { InvitationJobData } from '../queue/job-types.js';
import type { DecisionAid } from '../rules/types.js';
import { assertValidResource, loadFhirDefinitions } from '../shared/fhir-definitions.js';
import { buildInvitationTask } from './build-invitation-task.js';
import {
  checkRecipientContact,
  contactHold,
  TASK_BUSINESS_STATUS_SYSTEM,
  TASK_STATUS_REASON_SYSTEM,
} from './contact-hold.js';

const DAY = '2025-03-01T10:00:00.000Z';
const aid: DecisionAid = {
  id: 'pg',
  title: 'Positieve gezondheid',
  activityDefinition: 'https://tool.example.org/fhir/ActivityDefinition/pg|1.0',
  koppeltaal: false,
  delivery: { type: 'signed-link', baseUrl: 'https://tool.example.org/s', secret: 's', validForMs: 1000 },
};
const job: InvitationJobData = {
  invitationId: 'inv-1',
  eventKey: 'hix|Encounter/e-1/_history/2',
  source: 'hix',
  triggerId: 'pg-evaluatie',
  keyMoment: 'evaluation',
  decisionAidId: 'pg',
  patient: 'Patient/kind-1',
  recipient: { role: 'guardian', reference: 'RelatedPerson/moeder' },
  focus: 'Encounter/e-1/_history/2',
  occurredAt: DAY,
};

// Loading the FHIR definitions takes seconds on a busy machine: once, outside the 5 s of a test.
beforeAll(() => loadFhirDefinitions(), 30_000);

describe('contactHold', () => {
  it.each<[string, Parameters<typeof contactHold>[1], 'ready' | 'on-hold', RegExp | undefined]>([
    ['a usable channel', { usable: true, system: 'email' }, 'ready', undefined],
    [
      'no contact point',
      { usable: false, reason: 'r', missing: 'contact-point' },
      'on-hold',
      /geen e-mailadres of mobiel nummer/,
    ],
    [
      'an inactive recipient',
      { usable: false, reason: 'r', missing: 'active-record' },
      'on-hold',
      /niet actief in het dossier/,
    ],
  ])('%s → a valid Task, %s', (_name, channel, status, text) => {
    const task = assertValidResource(
      buildInvitationTask(job, aid, { link: 'https://tool.example.org/s/x' }, DAY, contactHold('signed-link', channel)),
    );
    expect(task.status).toBe(status);
    if (!text) return expect(task.statusReason).toBeUndefined();
    expect(task.statusReason).toMatchObject({
      coding: [{ system: TASK_STATUS_REASON_SYSTEM, code: 'no-contact-channel' }],
      text: expect.stringMatching(text),
    });
    expect(task.businessStatus?.coding?.[0]).toMatchObject({
      system: TASK_BUSINESS_STATUS_SYSTEM,
      code: 'contact-details-needed',
    });
    expect(task.input?.[0]?.valueUrl).toBe('https://tool.example.org/s/x'); // the link stays, so it can be handed over
  });
});

describe('checkRecipientContact', () => {
  it('reads the recipient from the EPD', async () => {
    const epd = createFakeEpdClient();
    await epd.repo.updateResource<RelatedPerson>({
      resourceType: 'RelatedPerson',
      id: 'moeder',
      patient: { reference: 'Patient/kind-1' },
      telecom: [{ system: 'email', value: 'ouder@example.org' }],
    });
    expect(await checkRecipientContact(epd, 'RelatedPerson/moeder', 'signed-link', DAY)).toEqual({
      usable: true,
      system: 'email',
    });
  });

  it('treats a recipient gone from the EPD as unreachable', async () => {
    const found = await checkRecipientContact(createFakeEpdClient(), 'RelatedPerson/weg', 'http-api', DAY);
    expect(found).toEqual({
      usable: false,
      reason: 'RelatedPerson/weg is no longer in the EPD',
      missing: 'active-record',
    });
  });

  it('lets a transient failure through, so the job retries', async () => {
    const epd = createFakeEpdClient();
    epd.failNext(1);
    await expect(checkRecipientContact(epd, 'RelatedPerson/moeder', 'http-api', DAY)).rejects.toMatchObject({
      retry: true,
    });
  });
});
