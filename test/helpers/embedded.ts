import type { Bundle, Resource, Task } from '@medplum/fhirtypes';
import type { Job, JobType } from 'bullmq';
import { EMBEDDED_INTAKE_TOKEN, startEmbeddedStack, type EmbeddedStack } from '../../src/sandbox/start-stack.js';
import { waitForQueuesToDrain } from '../../src/sandbox/wait-for-queues.js';
import { TEST_REDIS_URL } from './redis.js';

/**
 * The embedded stack on the test Redis, configured by the test alone: the settings here and in
 * `options.env`, never the environment the tests happen to run in.
 */
export function startTestStack(options: Parameters<typeof startEmbeddedStack>[0] = {}): Promise<EmbeddedStack> {
  return startEmbeddedStack({ ...options, env: { REDIS_URL: TEST_REDIS_URL, ...options.env } });
}

/** Writes a resource into the sandbox EPD over HTTP, as the EPD itself would store it. */
export async function storeInEpd<T extends Resource>(stack: EmbeddedStack, resource: T): Promise<T & { id: string }> {
  const res = await fetch(`${stack.fhir.baseUrl}/${resource.resourceType}${resource.id ? `/${resource.id}` : ''}`, {
    method: resource.id ? 'PUT' : 'POST',
    headers: { 'content-type': 'application/fhir+json' },
    body: JSON.stringify(resource),
  });
  if (!res.ok) throw new Error(`sandbox refused ${resource.resourceType}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T & { id: string };
}

/** Posts a body to the service's notify route with the embedded source's token. */
export async function notify(stack: EmbeddedStack, body: unknown): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${stack.service.url}/fhir/notify`, {
    method: 'POST',
    headers: { 'content-type': 'application/fhir+json', authorization: `Bearer ${EMBEDDED_INTAKE_TOKEN}` },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json().catch(() => undefined) };
}

/** Every state in which a job still has work ahead of it. */
const UNFINISHED: JobType[] = ['waiting', 'active', 'prioritized', 'waiting-children', 'delayed'];

/**
 * Waits for all work, sending invitations that wait out their reflection delay at once (the delay
 * is checked separately). A job delayed by its retry backoff is left to come back by itself (a
 * Retry-After must be honoured); an events job doing so may still add invitations, so this goes on
 * until no job of either queue is unfinished.
 */
export async function settle(stack: EmbeddedStack, timeoutMs = 20_000): Promise<void> {
  const queues = stack.service.queues;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await waitForQueuesToDrain(queues, Math.max(1, deadline - Date.now()), { ignoreDelayed: true });
    const reflecting = (await queues.invitations.getDelayed()).filter((job) => job.attemptsMade === 0);
    if (reflecting.length > 0) {
      await Promise.all(reflecting.map(promoteIfStillDelayed));
      continue;
    }
    // Events first: an events job adds its invitations before it completes, so none slip between the counts.
    const events = await queues.events.getJobCounts(...UNFINISHED);
    const invitations = await queues.invitations.getJobCounts(...UNFINISHED);
    if ([events, invitations].every((counts) => Object.values(counts).every((n) => n === 0))) return;
    if (Date.now() > deadline) {
      throw new Error(
        `work left after ${timeoutMs} ms: events ${JSON.stringify(events)}, invitations ${JSON.stringify(invitations)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Promotes a delayed job; one that left the delayed state meanwhile (its delay ran out, say) went on by itself. */
async function promoteIfStillDelayed(job: Job): Promise<void> {
  try {
    await job.promote();
  } catch (err) {
    if ((await job.getState()) === 'delayed') throw err;
  }
}

/** The invitation Tasks in the sandbox EPD whose focus is (a version of) `reference`. */
export async function tasksFor(stack: EmbeddedStack, reference: string): Promise<Task[]> {
  const res = await fetch(`${stack.fhir.baseUrl}/Task?_count=1000`);
  const bundle = (await res.json()) as Bundle<Task>;
  return (bundle.entry ?? [])
    .map((e) => e.resource!)
    .filter((t) => t.focus?.reference === reference || t.focus?.reference?.startsWith(`${reference}/_history/`));
}

/** `Type/id` of a stored resource. */
export const refOf = (r: Resource & { id: string }): string => `${r.resourceType}/${r.id}`;

/**
 * A new child of `age` with one parent, at the seeded department: for tests that need a patient
 * no other test has invited yet (invitations are throttled per patient and aid).
 */
export async function freshChild(stack: EmbeddedStack, age: number): Promise<{ patient: string; parent: string }> {
  const birth = new Date();
  birth.setUTCFullYear(birth.getUTCFullYear() - age);
  birth.setUTCDate(birth.getUTCDate() - 30); // a month past the birthday, so the age is stable today
  const patient = await storeInEpd(stack, {
    resourceType: 'Patient',
    name: [{ family: 'Testkind', given: ['Proef'] }],
    birthDate: birth.toISOString().slice(0, 10),
    managingOrganization: { reference: stack.seed.department },
  });
  const parent = await storeInEpd(stack, {
    resourceType: 'RelatedPerson',
    patient: { reference: refOf(patient) },
    relationship: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-RoleCode', code: 'MTH' }] }],
    name: [{ family: 'Testkind', given: ['Ouder'] }],
  });
  return { patient: refOf(patient), parent: refOf(parent) };
}
