import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { CarePlan } from '@medplum/fhirtypes';
import { seedChildWithMedication } from '../../test/helpers/child-with-medication.js';
import { createFakeEpdClient, type FakeEpdClient } from '../epd/fake-epd-client.js';
import type { JobContext } from '../queue/create-worker.js';
import { compileMappings, type CompiledMappings } from '../rules/compile-mappings.js';
import { createLogger } from '../shared/logger.js';
import type { EpdEvent } from '../intake/epd-event.js';
import { createEventJob, type PlannedInvitation } from './event-job.js';
import { createFakeThrottleStore } from './fake-throttle-store.js';

const SHIPPED = fileURLToPath(new URL('../../mappings/', import.meta.url));
const ENV = { ASTMA_KEUZEHULP_TOKEN: 'demo-token' };
const ctx: JobContext = { log: createLogger({ level: 'silent' }), jobId: 'evt-test', attempt: 1, maxAttempts: 1 };

/** The shipped asthma mapping, optionally with every trigger's throttle scoped to the aid. */
async function asthmaMappings(scope?: 'decision-aid'): Promise<CompiledMappings> {
  let text = await readFile(`${SHIPPED}paediatric-asthma.yaml`, 'utf8');
  if (scope) text = text.replace(/^(\s+)throttle: (\S+)/gm, `$1throttle: $2\n$1throttleScope: ${scope}`);
  const valueSets = await Promise.all(
    ['astma-aandoeningen', 'astma-medicatie-atc', 'astma-medicatie-gstandaard'].map(async (name) => ({
      name: `valuesets/${name}.json`,
      text: await readFile(`${SHIPPED}valuesets/${name}.json`, 'utf8'),
    })),
  );
  return compileMappings([{ name: 'paediatric-asthma.yaml', text }], ENV, valueSets);
}

async function seedTreatmentPlan(epd: FakeEpdClient, id: string): Promise<void> {
  await epd.repo.updateResource<CarePlan>({
    resourceType: 'CarePlan',
    id,
    status: 'active',
    intent: 'plan',
    subject: { reference: 'Patient/kind-1' },
    activity: [
      { detail: { status: 'scheduled', code: { coding: [{ system: 'http://snomed.info/sct', code: '406162001' }] } } },
    ],
  });
}

function eventFor(reference: string): EpdEvent {
  const [resourceType] = reference.split('/');
  return {
    eventKey: `hix|${reference}/_history/1`,
    source: 'hix',
    shape: 'resource',
    resourceType: resourceType!,
    reference,
    interaction: 'create',
    occurredAt: '2026-05-01T10:00:00+02:00',
  };
}

async function inviteInTurn(mappings: CompiledMappings, references: string[]): Promise<number[]> {
  const epd = createFakeEpdClient();
  await seedChildWithMedication(epd, { patient: { birthDate: '2014-01-01' } });
  const first = (await epd.repo.readResource('MedicationRequest', 'ma-1')) as object;
  await epd.repo.updateResource({ ...first, id: 'ma-2' } as never);
  await seedTreatmentPlan(epd, 'plan-1');
  const throttle = createFakeThrottleStore();
  const counts: number[] = [];
  for (const reference of references) {
    const enqueued: PlannedInvitation[] = [];
    const job = createEventJob({
      epd,
      getMappings: () => mappings,
      throttle,
      identity: { epdBase: 'https://epd.example.org/fhir', invitationIdSecret: 'invitation-id-secret-for-tests' },
      enqueueInvitations: async (planned) => void enqueued.push(...planned),
    });
    await job(eventFor(reference), ctx);
    counts.push(enqueued.length);
  }
  return counts;
}

describe('events job: the throttle window holds back per key moment', () => {
  it('offers a treatment choice right after a medication change, but not a second medication change', async () => {
    const counts = await inviteInTurn(await asthmaMappings(), [
      'MedicationRequest/ma-1',
      'CarePlan/plan-1',
      'MedicationRequest/ma-2',
    ]);
    expect(counts).toEqual([2, 2, 0]); // child of 12: the child and the mother each time
  });

  it('holds back every key moment of the aid with throttleScope: decision-aid', async () => {
    const counts = await inviteInTurn(await asthmaMappings('decision-aid'), [
      'MedicationRequest/ma-1',
      'CarePlan/plan-1',
    ]);
    expect(counts).toEqual([2, 0]);
  });
});
