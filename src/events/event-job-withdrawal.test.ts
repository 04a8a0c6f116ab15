import type { MedicationRequest } from '@medplum/fhirtypes';
import { fileURLToPath } from 'node:url';
import { seedChildWithMedication } from '../../test/helpers/child-with-medication.js';
import { createFakeEpdClient } from '../epd/fake-epd-client.js';
import type { EpdEvent } from '../intake/epd-event.js';
import type { JobContext } from '../queue/create-worker.js';
import { loadMappings } from '../rules/load-mappings.js';
import { loadFhirDefinitions } from '../shared/fhir-definitions.js';
import { createLogger } from '../shared/logger.js';
import { createEventJob, type PlannedInvitation } from './event-job.js';
import { createFakeThrottleStore } from './fake-throttle-store.js';

const SHIPPED = fileURLToPath(new URL('../../mappings', import.meta.url));
const SECRETS = { ASTMA_KEUZEHULP_TOKEN: 'demo-token', POSITIEVE_GEZONDHEID_LINK_SECRET: 'x'.repeat(64) };
const ctx: JobContext = { log: createLogger({ level: 'silent' }), jobId: 'evt-test', attempt: 1, maxAttempts: 1 };

beforeAll(() => loadFhirDefinitions(), 30_000);

/** A change withdrawn within the reflection time: the events job removes what still waits for it. */
describe('events job: withdrawn changes', () => {
  async function setup() {
    const epd = createFakeEpdClient();
    await seedChildWithMedication(epd, { atc: 'R03BA05', patient: { birthDate: '2014-01-01' } });
    const mappings = await loadMappings(SHIPPED, SECRETS);
    const enqueued: PlannedInvitation[] = [];
    const cancelled: string[] = [];
    const job = createEventJob({
      epd,
      identity: { epdBase: 'https://epd.example.org/fhir', invitationIdSecret: 'invitation-id-secret-for-tests' },
      getMappings: () => mappings,
      throttle: createFakeThrottleStore(),
      enqueueInvitations: async (planned) => void enqueued.push(...planned),
      cancelWaitingInvitations: async (reference) => (cancelled.push(reference), 2),
    });
    return { epd, job, enqueued, cancelled };
  }
  const event = (interaction: EpdEvent['interaction']): EpdEvent => ({
    eventKey: 'https://epd.example.org/fhir|MedicationRequest/ma-1|deleted',
    source: 'hix',
    shape: 'resource',
    resourceType: 'MedicationRequest',
    reference: 'MedicationRequest/ma-1',
    interaction,
    occurredAt: '2026-05-01T10:00:00+02:00',
  });

  it('cancels the waiting invitations of a deleted resource without reading it', async () => {
    const { epd, job, enqueued, cancelled } = await setup();
    const result = await job(event('delete'), ctx);
    expect(result).toMatchObject({ invitations: [], cancelledWaiting: 2 });
    expect(cancelled).toEqual(['MedicationRequest/ma-1']);
    expect(enqueued).toEqual([]);
    expect(epd.calls).toEqual([]);
  });

  it.each(['cancelled', 'entered-in-error'] as const)(
    'treats an update to %s as withdrawing the change',
    async (status) => {
      const { epd, job, enqueued, cancelled } = await setup();
      const current = await epd.read<MedicationRequest & { id: string }>('MedicationRequest/ma-1');
      await epd.repo.updateResource<MedicationRequest>({ ...current, status });
      const result = await job(event('update'), ctx);
      expect(result.cancelledWaiting).toBe(2);
      expect(cancelled).toEqual(['MedicationRequest/ma-1']);
      expect(enqueued).toEqual([]);
    },
  );

  it('plans invitations for the same change while it stands', async () => {
    const { job, enqueued, cancelled } = await setup();
    await job(event('update'), ctx);
    expect(cancelled).toEqual([]);
    expect(enqueued.length).toBeGreaterThan(0);
  });
});
