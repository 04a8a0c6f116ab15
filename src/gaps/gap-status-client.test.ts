import type { Resource, Subscription } from '@medplum/fhirtypes';
import nock from 'nock';
import { connectEpd } from '../epd/connect-epd.js';
import type { EpdClient } from '../epd/epd-client.js';
import { backportNotification } from '../../test/helpers/backport-notification.js';
import { createSubscriptionStatusClient, heartbeatOf } from './gap-status-client.js';

const BASE = 'https://epd.test/fhir';
const HEARTBEAT = 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-heartbeat-period';
const stored: Subscription = {
  resourceType: 'Subscription',
  id: 's1',
  status: 'active',
  reason: 'key moments',
  criteria: 'CarePlan?',
  channel: { type: 'rest-hook', extension: [{ url: HEARTBEAT, valueUnsignedInt: 120 }] },
};
const epd = { read: async () => stored } as unknown as EpdClient;
const client = createSubscriptionStatusClient({
  get: connectEpd({ baseUrl: BASE, auth: { type: 'bearer', token: 'epd-token' }, timeoutMs: 1000 }).get,
  epd,
});

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  expect(nock.pendingMocks()).toEqual([]);
  nock.cleanAll();
});
afterAll(() => nock.enableNetConnect());

describe('subscription status client', () => {
  it('reads status and event count from $status, with the EPD credentials', async () => {
    const bundle = backportNotification({
      type: 'heartbeat',
      status: 'error',
      count: 7,
      subscription: 'Subscription/s1',
    });
    nock(BASE, { reqheaders: { authorization: 'Bearer epd-token' } })
      .get('/Subscription/s1/$status')
      .reply(200, bundle as Resource);
    expect(await client.status('Subscription/s1')).toEqual({ status: 'error', count: 7, via: '$status' });
  });

  it.each([404, 400, 501])('falls back to reading the Subscription when $status answers %i', async (status) => {
    nock(BASE).get('/Subscription/s1/$status').reply(status, { resourceType: 'OperationOutcome', issue: [] });
    expect(await client.status('Subscription/s1')).toEqual({ status: 'active', via: 'read' });
  });

  it('throws a retryable EPD error with the issue code (never its text) on a 503', async () => {
    const outcome = {
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'transient', details: { text: 'busy' } }],
    };
    nock(BASE).get('/Subscription/s1/$status').reply(503, outcome);
    await expect(client.status('Subscription/s1')).rejects.toMatchObject({
      status: 503,
      retry: true,
      message: expect.stringMatching(/HTTP 503: \w[\w-]* \(text #[0-9a-f]{12}\)$/),
    });
  });

  it('refuses a reference that is not Subscription/<id> before any request', async () => {
    await expect(client.status('Subscription/../Patient/1')).rejects.toMatchObject({ status: 422, retry: false });
  });

  it.each([
    ['the Backport extension', stored, 120_000],
    ['an R5-style element', { ...stored, channel: { type: 'rest-hook' }, heartbeatPeriod: 30 }, 30_000],
    ['none', { ...stored, channel: { type: 'rest-hook' } }, undefined],
  ] as [string, Subscription, number | undefined][])(
    'reads the heartbeat period from %s',
    (_title, subscription, expected) => {
      expect(heartbeatOf(subscription)).toBe(expected);
    },
  );
});

// nock patches node:http for the whole worker process; undo it so later test files get the real one.
afterAll(() => nock.restore());
