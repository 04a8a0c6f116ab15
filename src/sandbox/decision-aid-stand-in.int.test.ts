import nock from 'nock';
import { startDecisionAidStandIn, type DecisionAidStandIn } from './decision-aid-stand-in.js';

let standIn: DecisionAidStandIn;

function post(body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${standIn.baseUrl}/api/invitations`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
});
afterAll(() => nock.enableNetConnect());
beforeEach(async () => {
  standIn = await startDecisionAidStandIn();
});
afterEach(() => standIn.close());

describe('decision-aid stand-in', () => {
  it('listens on loopback and needs no token when none is configured', async () => {
    expect(standIn.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await post({ invitationId: 'from-body' });
    expect(res.status).toBe(201);
    const answer = (await res.json()) as { invitation: { id: string; url: string } };
    expect(answer.invitation.url).toBe(`${standIn.baseUrl}/start/${answer.invitation.id}`);
    expect(standIn.invitations).toEqual([{ invitationId: 'from-body', body: { invitationId: 'from-body' } }]);
  });

  it('creates one invitation per call without an Idempotency-Key, one per key with it', async () => {
    await post({ n: 1 });
    await post({ n: 2 });
    const first = await (await post({ n: 3 }, { 'Idempotency-Key': 'k' })).json();
    const again = await (await post({ n: 4 }, { 'Idempotency-Key': 'k' })).json();
    expect(again).toEqual(first);
    expect(standIn.invitations.map((i) => i.body)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
  });

  it.each([
    [500, 2],
    [400, 1],
    [429, 3],
  ])('answers %i to the next %i calls, then works again', async (status, count) => {
    standIn.failNext(status, count);
    for (let i = 0; i < count; i++) {
      const res = await post({}, { 'Idempotency-Key': 'same' });
      expect(res.status).toBe(status);
      expect(res.headers.get('retry-after')).toBe(status === 429 ? '1' : null);
    }
    expect((await post({}, { 'Idempotency-Key': 'same' })).status).toBe(201);
    expect(standIn.invitations).toHaveLength(1);
  });

  it('checks the bearer token when one is configured', async () => {
    await standIn.close();
    standIn = await startDecisionAidStandIn({ token: 't0ken' });
    expect((await post({})).status).toBe(401);
    expect((await post({}, { Authorization: 'Bearer other' })).status).toBe(401);
    expect((await post({}, { Authorization: 'Bearer t0ken' })).status).toBe(201);
    expect(standIn.invitations).toHaveLength(1);
  });
});

// nock patches node:http for the whole worker process; undo it so later test files get the real one.
afterAll(() => nock.restore());
