import { demoSteps, notificationFor } from '../../src/sandbox/demo-scenario.js';
import { medicationAgreement } from '../../src/sandbox/seed-patients.js';
import { type EmbeddedStack } from '../../src/sandbox/start-stack.js';
import { freshChild, refOf, settle, storeInEpd, tasksFor, startTestStack } from '../helpers/embedded.js';
import { pollState, waitFor } from '../helpers/polling.js';

const ENGINE_TOKEN = 'embedded-engine-token-not-for-production';
/** Quick polling of `hix`; the engine only pushes. */
const TWO_SOURCES = {
  INTAKE_SOURCES: 'hix,engine',
  INTAKE_HIX_MODE: 'poll',
  INTAKE_ENGINE_TOKEN: ENGINE_TOKEN,
  INTAKE_ENGINE_MODE: 'push',
  POLL_INTERVAL_MS: '1000',
  POLL_OVERLAP_MS: '2000',
  RECONCILE_INTERVAL_MS: '0',
  HEARTBEAT_CHECK_MS: '0',
};
/** Several polls after the push, each a chance to add a second invitation. */
const A_FEW_POLLS_MS = 3_500;
const TEST_TIMEOUT_MS = 40_000;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Hospital IT as it is often set up: an integration engine pushes changes and the EPD's own
 * source is polled, both watching one EPD. A change reaches the service twice, by two sources and
 * two routes; the family is invited once.
 */
describe('two sources (one push, one poll) watching one EPD', () => {
  let stack: EmbeddedStack;
  let state: ReturnType<typeof pollState>;
  beforeAll(async () => {
    stack = await startTestStack({ env: TWO_SOURCES });
    state = pollState(stack);
  }, TEST_TIMEOUT_MS);
  afterAll(async () => {
    state?.close();
    await stack?.close();
  }, TEST_TIMEOUT_MS);

  it(
    'gives one Task and one platform invitation per recipient',
    async () => {
      const child = await freshChild(stack, 13);
      const resource = await storeInEpd(stack, medicationAgreement(child.patient, { atc: 'R03BA05' }));
      const pushed = await fetch(`${stack.service.url}/fhir/notify`, {
        method: 'POST',
        headers: { 'content-type': 'application/fhir+json', authorization: `Bearer ${ENGINE_TOKEN}` },
        body: JSON.stringify(notificationFor(demoSteps(stack.seed)[0]!, resource, 1)),
      });
      expect(pushed.status).toBe(202);
      // The poller of hix has read past the change: both routes have told the service about it.
      await waitFor('the poll of hix past the change', async () => {
        const cursor = await state.cursor('hix');
        return cursor !== undefined && cursor >= Date.parse(resource.meta!.lastUpdated!);
      });
      await pause(A_FEW_POLLS_MS);
      await settle(stack);
      const tasks = await tasksFor(stack, refOf(resource));
      expect(tasks.map((t) => t.owner?.reference).sort()).toEqual([child.patient, child.parent].sort());
      const ids = tasks.map((t) => t.identifier?.[0]?.value).sort();
      // Nothing else in this stack invites: every invitation at the platform is one of these two.
      expect(stack.aid.invitations.map((i) => i.invitationId).sort()).toEqual(ids);
    },
    TEST_TIMEOUT_MS,
  );
});
