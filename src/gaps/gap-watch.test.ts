import { backportNotification, TEST_SUBSCRIPTION } from '../../test/helpers/backport-notification.js';
import { createLogger } from '../shared/logger.js';
import { createFakeGapTracker } from './fake-gap-tracker.js';
import { createGapWatch } from './gap-watch.js';
import { parseNotification } from '../intake/parse-notification.js';
import { createFakeIntakeCounters } from '../polling/fake-poll-counters.js';

const AT = '2024-05-01T10:00:00.000Z';

function setup() {
  const checks: [string, string, number][] = [];
  const counters = createFakeIntakeCounters();
  const tracker = createFakeGapTracker();
  const watch = createGapWatch({
    tracker,
    counters,
    scheduleGapCheck: async (source, subscription, from) => {
      checks.push([source, subscription, from]);
    },
    log: createLogger({ level: 'silent' }),
  });
  const receive = (body: unknown) =>
    watch(
      'hix',
      parseNotification(body, { source: 'hix', epdBase: 'https://epd.example.org/fhir', receivedAt: AT }),
      AT,
    );
  return { checks, counters, tracker, receive };
}

const event = (n: number) => backportNotification({ count: n, events: [{ number: n, focus: `Encounter/e${n}` }] });

describe('gap watch', () => {
  it.each([
    ['1, 2, 3: no check', [1, 2, 3], []],
    ['1, 2, 4: a check for 3', [1, 2, 4], [3]],
    ['1, 2, 4, 5: one hole, the same first missing number', [1, 2, 4, 5], [3, 3]],
    ['1, 3, 2: the late one fills the hole', [1, 3, 2], [2]],
  ])('%s', async (_title, numbers, missing) => {
    const { checks, receive } = setup();
    for (const n of numbers) await receive(event(n));
    expect(checks).toEqual(missing.map((m) => ['hix', TEST_SUBSCRIPTION, m]));
  });

  it('takes a heartbeat that announces more events than arrived for a hole', async () => {
    const { checks, receive } = setup();
    await receive(event(1));
    await receive(backportNotification({ type: 'heartbeat', count: 2 }));
    expect(checks).toEqual([['hix', TEST_SUBSCRIPTION, 2]]);
  });

  it('logs and counts a notification whose status is error', async () => {
    const { counters, receive } = setup();
    await receive(backportNotification({ type: 'heartbeat', status: 'error', count: 0 }));
    expect(await counters.read('hix')).toEqual({ errorNotifications: 1 });
  });

  it('records when each subscription was last heard from', async () => {
    const { tracker, receive } = setup();
    await receive(backportNotification({ type: 'handshake', count: 0 }));
    expect(await tracker.subscriptions('hix')).toEqual([
      { subscription: TEST_SUBSCRIPTION, lastSeenAt: Date.parse(AT) },
    ]);
  });
});
