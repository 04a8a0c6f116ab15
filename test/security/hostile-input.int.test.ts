import { Redis } from 'ioredis';
import { servedRoutes } from '../../src/http/openapi-routes.js';
import { MAX_BUNDLE_ENTRIES } from '../../src/intake/json-limits.js';
import { EMBEDDED_INTAKE_TOKEN, type EmbeddedStack } from '../../src/sandbox/start-stack.js';
import { createLogger } from '../../src/shared/logger.js';
import { brokenBundles, invalidJson, notFhir, wrongResourceType, type BodyCase } from './hostile-bodies.js';
import {
  badCredentials,
  badTransport,
  credentials,
  send,
  withValidCredentials,
  type Answer,
  type HostileRequest,
  type InboundRoute,
} from './hostile-requests.js';
import { hostileResults, type KnownInvitation } from './hostile-results.js';
import { deepNesting, injections, longStrings, tooManyEntries, unicode } from './hostile-shapes.js';
import { demoSteps, notificationFor } from '../../src/sandbox/demo-scenario.js';
import { notify, refOf, settle, storeInEpd, tasksFor, startTestStack } from '../helpers/embedded.js';

const ENGINE_SECRET = 'engine-hmac-secret-0123456789';
/** Types the service writes into the EPD: none may appear because of hostile input. */
const WRITTEN_TYPES = [
  'Task',
  'Communication',
  'QuestionnaireResponse',
  'Observation',
  'AuditEvent',
  'Provenance',
  'DiagnosticReport',
];
/** Queues that input feeds; poll jobs come from timers, not from requests, and are left out. */
const INPUT_QUEUES = ['events', 'invitations', 'results'] as const;

/** Every hostile body, for routes that take FHIR notifications. */
function notificationBodies(): BodyCase[] {
  return [
    ...invalidJson(),
    ...notFhir(),
    ...wrongResourceType(),
    ...brokenBundles(),
    ...deepNesting(),
    ...longStrings(),
    ...unicode(),
    ...injections(),
    ...tooManyEntries(MAX_BUNDLE_ENTRIES),
  ];
}

/** The bodies that make sense for a results webhook: the generic faults, and results for a real invitation. */
function resultBodies(invitation: KnownInvitation): BodyCase[] {
  const generic = [
    ...invalidJson(),
    ...notFhir().filter((c) => !c.body.startsWith('{')),
    ...deepNesting(),
    ...longStrings().slice(0, 3),
    ...unicode().slice(0, 6),
  ];
  // Its own parser may choose another 4xx for the same fault.
  return [...generic.map(({ status: _ignored, ...c }) => c), ...hostileResults(invitation)];
}

/** Runs the medication-change step of the demo, so there is one real invitation Task to aim results at. */
async function realInvitation(stack: EmbeddedStack): Promise<KnownInvitation> {
  const step = demoSteps(stack.seed)[0]!;
  const stored = await storeInEpd(stack, step.resource);
  expect((await notify(stack, notificationFor(step, stored, 1))).status).toBe(202);
  await settle(stack);
  const [task] = await tasksFor(stack, refOf(stored));
  return { taskId: task!.id!, invitationId: task!.identifier![0]!.value! };
}

/** The whole corpus for one route. */
function corpusFor(route: InboundRoute, bodies: BodyCase[], validBody: Buffer, maxBodyBytes: number): HostileRequest[] {
  return [
    ...badCredentials(route, validBody),
    ...badTransport(route, validBody, maxBodyBytes),
    ...withValidCredentials(route, bodies),
  ];
}

/** What a case did wrong, or undefined when it was refused as it must be. */
function fault(r: HostileRequest, a: Answer): string | undefined {
  if (a.status < 400 || a.status >= 500) return `status ${a.status}`;
  if (r.status !== undefined && a.status !== r.status) return `status ${a.status}, expected ${r.status}`;
  if (!a.contentType.startsWith('application/fhir+json')) return `content type ${a.contentType}`;
  try {
    const outcome = JSON.parse(a.text) as { resourceType?: string; issue?: { severity?: string }[] };
    if (outcome.resourceType !== 'OperationOutcome' || !outcome.issue?.some((i) => i.severity === 'error'))
      return 'not an error OperationOutcome';
  } catch {
    return 'body is not JSON';
  }
  return undefined;
}

describe('hostile and malformed input against the running service (real Redis, sandbox EPD)', () => {
  let stack: EmbeddedStack;
  const logLines: string[] = [];

  beforeAll(async () => {
    const log = createLogger({ level: 'warn', destination: { write: (line: string) => void logLines.push(line) } });
    stack = await startTestStack({
      log,
      env: { INTAKE_SOURCES: 'hix,engine', INTAKE_ENGINE_HMAC_SECRET: ENGINE_SECRET },
    });
  }, 60_000);
  afterAll(async () => {
    if (!stack) return;
    const redis = new Redis(stack.config.redisUrl);
    try {
      const keys = await redis.keys(`${stack.config.queuePrefix}:*`); // replay claims and poll state; the queues go with close()
      if (keys.length) await redis.del(...keys);
    } finally {
      redis.disconnect();
      await stack.close();
    }
  }, 60_000);

  async function snapshot() {
    const counts: Record<string, unknown> = {};
    for (const name of INPUT_QUEUES) counts[name] = await stack.service.queues[name].getJobCounts();
    for (const type of WRITTEN_TYPES) {
      const res = await fetch(`${stack.fhir.baseUrl}/${type}?_summary=count`);
      counts[type] = ((await res.json()) as { total?: number }).total;
    }
    return counts;
  }

  it('refuses every case with a 4xx OperationOutcome, queues and writes nothing, and stays up', async () => {
    const routes: [InboundRoute, BodyCase[]][] = [
      [{ name: 'notify (bearer)', path: '/fhir/notify', bearer: EMBEDDED_INTAKE_TOKEN }, notificationBodies()],
      [{ name: 'notify (signed)', path: '/fhir/notify', secret: ENGINE_SECRET }, notificationBodies()],
    ];
    const served = servedRoutes(stack.service.apps.api!).map((r) => `${r.method} ${r.path}`);
    if (served.includes('POST /decision-aids/{aidId}/results')) {
      const invitation = await realInvitation(stack); // an astma-kind invitation: the signed route (another aid) must refuse it too
      routes.push([
        {
          name: 'results (bearer)',
          path: '/decision-aids/astma-kind/results',
          bearer: stack.env.ASTMA_KEUZEHULP_TOKEN!,
        },
        resultBodies(invitation),
      ]);
      routes.push([
        {
          name: 'results (signed)',
          path: '/decision-aids/positieve-gezondheid-kind/results',
          secret: stack.env.POSITIEVE_GEZONDHEID_LINK_SECRET!,
        },
        resultBodies(invitation),
      ]);
    }
    // Accepted, and nothing for decision support (no trigger listens to Basic): the original of the replays below.
    const original = Buffer.from(
      JSON.stringify({ resourceType: 'Basic', id: 'replay-original', meta: { versionId: '1' } }),
    );
    const signedOriginal: Record<string, string> = {
      'content-type': 'application/fhir+json',
      ...credentials(routes[1]![0], original),
    };
    const first = await send(stack.service.url!, {
      category: 'setup',
      name: 'original',
      route: 'notify (signed)',
      path: '/fhir/notify',
      body: original,
      headers: () => signedOriginal,
    });
    expect(first.status).toBe(202);
    const before = await snapshot();

    const replays: HostileRequest[] = [
      ['the exact request again', signedOriginal],
      [
        'with a bogus signature added',
        { ...signedOriginal, 'x-sdm-signature': `v1=00,${signedOriginal['x-sdm-signature']}` },
      ],
      [
        'with white space around the signature',
        { ...signedOriginal, 'x-sdm-signature': ` ${signedOriginal['x-sdm-signature']} ` },
      ],
      ['as application/json', { ...signedOriginal, 'content-type': 'application/json' }],
    ].map(([name, headers]) => ({
      category: 'replayed signatures',
      name: name as string,
      route: 'notify (signed)',
      path: '/fhir/notify',
      body: original,
      headers: () => headers as Record<string, string>,
      status: 409,
    }));
    // The replay check runs after authentication: captured headers on another body are a 401, never a 409.
    replays.push({
      category: 'replayed signatures',
      name: 'the captured headers on another body',
      route: 'notify (signed)',
      path: '/fhir/notify',
      body: Buffer.from(original.toString('utf8').replace('replay-original', 'replay-forged')),
      headers: () => signedOriginal,
      status: 401,
    });
    const corpus = [
      ...replays,
      ...routes.flatMap(([route, bodies]) => corpusFor(route, bodies, original, stack.config.maxBodyBytes)),
    ];

    const byStatus = new Map<number, number>();
    const byCategory = new Map<string, number>();
    const byRoute = new Map<string, number>();
    const started = Date.now();
    const faults: string[] = [];
    for (const r of corpus) {
      const answer = await send(stack.service.url!, r).catch((err: Error) => ({
        status: 0,
        contentType: '',
        text: err.message,
      }));
      byStatus.set(answer.status, (byStatus.get(answer.status) ?? 0) + 1);
      byCategory.set(r.category, (byCategory.get(r.category) ?? 0) + 1);
      byRoute.set(r.route, (byRoute.get(r.route) ?? 0) + 1);
      const wrong = fault(r, answer);
      if (wrong) faults.push(`${r.route} · ${r.category} · ${r.name}: ${wrong} ${answer.text.slice(0, 160)}`);
    }
    const table = (m: Map<unknown, number>) =>
      [...m.entries()]
        .sort(([a], [b]) => String(a).localeCompare(String(b)))
        .map(([k, n]) => `  ${String(k).padEnd(24)} ${n}`)
        .join('\n');
    const took = ((Date.now() - started) / 1000).toFixed(1);
    console.log(
      `hostile input: ${corpus.length} cases in ${took} s\nby route:\n${table(byRoute)}\nby status:\n${table(byStatus)}\nby category:\n${table(byCategory)}`,
    );

    expect(faults).toEqual([]);
    expect(corpus.length).toBeGreaterThanOrEqual(300);
    expect(await snapshot()).toEqual(before);
    expect(logLines.filter((l) => (JSON.parse(l) as { level: number }).level >= 50)).toEqual([]);

    // Still up, and still working: a valid notification is accepted and queued (so the queue check above could see one).
    expect((await fetch(`${stack.service.url}/healthz`)).status).toBe(200);
    const eventJobs = () =>
      stack.service.queues.events.getJobCountByTypes(
        'waiting',
        'active',
        'completed',
        'failed',
        'delayed',
        'prioritized',
      );
    const jobsBefore = await eventJobs();
    const valid = Buffer.from(
      JSON.stringify({ resourceType: 'MedicationRequest', id: 'after-the-corpus', meta: { versionId: '1' } }),
    );
    const accepted = await send(stack.service.url!, {
      ...replays[0]!,
      body: valid,
      headers: () => ({ 'content-type': 'application/fhir+json', ...credentials(routes[0]![0], valid) }),
    });
    expect(accepted.status).toBe(202);
    expect(await eventJobs()).toBe(jobsBefore + 1);
  }, 180_000);
});
