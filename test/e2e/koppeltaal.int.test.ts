import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditEvent, Bundle, Patient, Resource, Task } from '@medplum/fhirtypes';
import { demoSteps, notificationFor } from '../../src/sandbox/demo-scenario.js';
import { medicationAgreement } from '../../src/sandbox/seed-patients.js';
import type { EmbeddedStack } from '../../src/sandbox/start-stack.js';
import { BSN_SYSTEM } from '../../src/koppeltaal/koppeltaal-settings.js';
import { notify, refOf, settle, startTestStack, storeInEpd, tasksFor } from '../helpers/embedded.js';
import { startKoppeltaalStore, type KoppeltaalStore } from '../helpers/koppeltaal-store.js';
import { kt2Problems } from '../helpers/kt2-profiles.js';
import { expectAllowedReferenceTargets } from '../helpers/reference-targets.js';

/** A Koppeltaal aid delivered through the stand-in platform; only the patient is invited (KT2Task owner). */
const MAPPING = `
allowEnv: [ASTMA_KEUZEHULP_URL]
decisionAids:
  - id: astma-kt2
    title: Keuzehulp astma
    activityDefinition: https://keuzehulp.example.org/fhir/ActivityDefinition/astma-kind|2.1
    koppeltaal: true
    delivery:
      type: http-api
      url: \${ASTMA_KEUZEHULP_URL}
      auth: { type: bearer, tokenEnv: ASTMA_KEUZEHULP_TOKEN }
      body: { invitation: "{{invitationId}}", subject: "{{subjectPseudonym}}" }
      linkField: invitation.url
triggers:
  - id: astma-medicatie-kt2
    keyMoment: medication-change
    resourceType: MedicationRequest
    interactions: [create, update]
    condition: status = 'active'
    decisionAid: astma-kt2
    recipients: [patient]
`;
const EPD_TOKEN = 'epd-token-that-stays-with-the-epd';
const CLIENT_ID = 'sdm-bridge-kt2-test';

describe('Koppeltaal 2.0 route end to end', () => {
  const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  let dir: string;
  let store: KoppeltaalStore;
  let stack: EmbeddedStack;
  let nextEvent = 900;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'koppeltaal-mappings-'));
    await writeFile(join(dir, 'koppeltaal.yaml'), MAPPING);
    store = await startKoppeltaalStore({
      clientId: CLIENT_ID,
      publicKeyPem: keys.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    });
    stack = await startTestStack({
      env: {
        MAPPINGS_DIR: dir,
        EPD_AUTH: 'bearer',
        EPD_TOKEN,
        KOPPELTAAL_BASE_URL: store.baseUrl,
        KOPPELTAAL_TOKEN_URL: store.tokenUrl,
        KOPPELTAAL_CLIENT_ID: CLIENT_ID,
        KOPPELTAAL_SCOPE: 'system/Task.cr system/Patient.cr system/AuditEvent.c',
        KOPPELTAAL_PRIVATE_KEY: keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        KOPPELTAAL_DEVICE_ID: 'dev-sdm-bridge',
      },
    });
  });
  afterAll(async () => {
    await stack?.close();
    await store?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** A child with a BSN and an e-mail address, and a new medication agreement for them, announced to the service. */
  async function change(bsn: string): Promise<{ patient: string; reference: string }> {
    const patient = await storeInEpd<Patient>(stack, {
      resourceType: 'Patient',
      identifier: [{ system: BSN_SYSTEM, value: bsn }],
      name: [{ use: 'official', family: 'Proef', given: ['Kind'] }],
      gender: 'female',
      birthDate: '2011-06-01',
      telecom: [{ system: 'email', value: 'kind@example.org' }],
    });
    const resource = await storeInEpd(stack, medicationAgreement(refOf(patient), { atc: 'R03BA05' }));
    expect((await notify(stack, notificationFor(demoSteps(stack.seed)[0]!, resource, nextEvent++))).status).toBe(202);
    return { patient: refOf(patient), reference: refOf(resource) };
  }

  async function inStore<T extends Resource>(type: T['resourceType'], query = ''): Promise<T[]> {
    const res = await fetch(`${store.fhir.baseUrl}/${type}?_count=1000${query}`);
    return ((await res.json()) as Bundle<T>).entry?.map((e) => e.resource as T) ?? [];
  }

  it('ends with the care team’s Task in the EPD and a conforming KT2Task and KT2AuditEvent in the store', async () => {
    const { reference } = await change('999911120');
    await settle(stack);
    const epdTasks = await tasksFor(stack, reference);
    expect(epdTasks.map((t) => t.status)).toEqual(['ready']);
    const invitationId = epdTasks[0]!.identifier?.[0]?.value;
    const [kt2Task, ...more] = await inStore<Task>('Task', `&identifier=${encodeURIComponent(invitationId!)}`);
    expect(more).toEqual([]);
    expect(kt2Problems(kt2Task!, 'KT2Task')).toEqual([]);
    const [patient] = await inStore<Patient>('Patient', `&identifier=${BSN_SYSTEM}|999911120`);
    expect(kt2Task).toMatchObject({ status: 'ready', for: { reference: `Patient/${patient?.id}` } });
    const audits = (await inStore<AuditEvent>('AuditEvent')).filter((a) =>
      a.entity?.some((e) => e.what?.reference === `Task/${kt2Task?.id}`),
    );
    expect(audits).toHaveLength(1);
    expect(kt2Problems(audits[0]!, 'KT2AuditEvent')).toEqual([]);
    expectAllowedReferenceTargets([kt2Task!, audits[0]!, patient!]);
    expect(store.assertions).toMatchObject({ refused: 0, accepted: expect.any(Number) });
    expect(store.assertions.accepted).toBeGreaterThan(0);
  });

  it('never sends the EPD’s token to the Koppeltaal host', async () => {
    expect(store.front.seen.length).toBeGreaterThan(0);
    expect(store.front.seen.filter((r) => r.authorization?.includes(EPD_TOKEN))).toEqual([]);
    expect(
      store.front.seen
        .filter((r) => r.path.startsWith('/fhir'))
        .every((r) => r.authorization?.startsWith('Bearer kt2-access-')),
    ).toBe(true);
  });

  it('publishes the Koppeltaal client’s public key for the domain to register', async () => {
    const jwks = (await (await fetch(`${stack.service.url}/.well-known/jwks.json`)).json()) as {
      keys: { n?: string }[];
    };
    const publicJwk = keys.publicKey.export({ format: 'jwk' });
    expect(jwks.keys.map((key) => key.n)).toEqual([publicJwk.n]);
  });

  it('writes no second KT2Task when the invitation job is replayed', async () => {
    const { reference } = await change('999911132');
    await settle(stack);
    const [done] = (await stack.service.queues.invitations.getCompleted()).filter((j) =>
      j.data.focus.startsWith(reference),
    );
    const atPlatform = stack.aid.invitations.length;
    await stack.service.queues.invitations.add(done!.name, done!.data, { jobId: `${done!.id}-replay` });
    await settle(stack);
    const replayed = await stack.service.queues.invitations.getJob(`${done!.id}-replay`);
    expect(replayed?.returnvalue).toMatchObject({
      created: false,
      koppeltaalTaskId: done!.returnvalue.koppeltaalTaskId,
    });
    const invitationId = done!.data.invitationId;
    expect(await inStore<Task>('Task', `&identifier=${encodeURIComponent(invitationId)}`)).toHaveLength(1);
    expect(await tasksFor(stack, reference)).toHaveLength(1);
    expect(stack.aid.invitations.length).toBe(atPlatform);
  });

  it('retries while the store is down, without a second EPD Task or platform call, and loses nothing', async () => {
    store.failNext(2);
    const { reference } = await change('999911144');
    await settle(stack);
    const epdTasks = await tasksFor(stack, reference);
    expect(epdTasks.map((t) => t.status)).toEqual(['ready']);
    const invitationId = epdTasks[0]!.identifier?.[0]?.value ?? '';
    expect(await inStore<Task>('Task', `&identifier=${encodeURIComponent(invitationId)}`)).toHaveLength(1);
    expect(stack.aid.invitations.filter((i) => JSON.stringify(i).includes(invitationId))).toHaveLength(1);
    const [job] = (await stack.service.queues.invitations.getCompleted()).filter((j) =>
      j.data.focus.startsWith(reference),
    );
    expect(job!.attemptsMade).toBe(3); // two attempts met the store down (one 503 each), the third wrote
  });
});
