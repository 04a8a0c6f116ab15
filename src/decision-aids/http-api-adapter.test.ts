import nock from 'nock';
import type { DecisionAid, DeliveryConfig } from '../rules/types.js';
import { DecisionAidError } from './decision-aid-error.js';
import { createHttpApiAdapter, toInvitation } from './http-api-adapter.js';
import type { InvitationRequest } from './invitation-adapter.js';

type HttpApiDelivery = Extract<DeliveryConfig, { type: 'http-api' }>;

const PLATFORM = 'https://keuzehulp.example.org';
const NOW = new Date('2025-03-01T10:00:00Z');

const delivery: HttpApiDelivery = {
  type: 'http-api',
  url: `${PLATFORM}/api/invitations`,
  auth: { type: 'bearer', token: 'platform-token' },
  bodyTemplate: {
    reference: '{{invitationId}}',
    subject: '{{subjectPseudonym}}',
    moment: '{{keyMoment}}',
    until: '{{expiresAt}}',
  },
  linkField: 'invitation.url',
  timeoutMs: 200,
};

const aid: DecisionAid = {
  id: 'diabetes-medicatie',
  title: 'Keuzehulp diabetesmedicatie',
  activityDefinition: `${PLATFORM}/fhir/ActivityDefinition/diabetes-medicatie`,
  koppeltaal: false,
  delivery,
};

const request: InvitationRequest = {
  invitationId: 'inv-42',
  decisionAid: aid,
  keyMoment: 'medication-change',
  recipientRole: 'patient',
  subjectPseudonym: 'pseudo-42',
  expiresAt: '2025-03-08T10:00:00.000Z',
};

const adapter = createHttpApiAdapter(aid, delivery, { now: () => NOW });

async function failure(promise: Promise<unknown>): Promise<DecisionAidError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(DecisionAidError);
    return err as DecisionAidError;
  }
  throw new Error('expected the call to fail');
}

beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
});
afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending).toEqual([]);
});
afterAll(() => nock.enableNetConnect());

describe('createHttpApiAdapter', () => {
  it('posts the rendered body with auth, content type and idempotency key, and reads the link', async () => {
    let seenBody: unknown;
    nock(PLATFORM, {
      reqheaders: {
        authorization: 'Bearer platform-token',
        'content-type': 'application/json',
        'idempotency-key': 'inv-42',
      },
    })
      .post('/api/invitations', (body: unknown) => {
        seenBody = body;
        return true;
      })
      .reply(201, { invitation: { id: 'ext-9', url: `${PLATFORM}/start/ext-9` } });

    const created = await adapter.createInvitation(request);

    expect(created).toEqual({ link: `${PLATFORM}/start/ext-9`, externalId: 'ext-9', expiresAt: request.expiresAt });
    expect(seenBody).toEqual({
      reference: 'inv-42',
      subject: 'pseudo-42',
      moment: 'medication-change',
      until: request.expiresAt,
    });
  });

  it('sends a custom auth header when configured', async () => {
    const withHeader = { ...delivery, auth: { type: 'header' as const, name: 'X-Api-Key', value: 'k-1' } };
    nock(PLATFORM, { reqheaders: { 'x-api-key': 'k-1' }, badheaders: ['authorization'] })
      .post('/api/invitations')
      .reply(200, { invitation: { url: `${PLATFORM}/start/1` } });
    const created = await createHttpApiAdapter(aid, withHeader).createInvitation(request);
    expect(created.link).toBe(`${PLATFORM}/start/1`);
    expect(created.externalId).toBeUndefined();
  });

  it.each([500, 502, 503, 504, 408])('treats %i as transient', async (status) => {
    nock(PLATFORM).post('/api/invitations').reply(status, 'busy');
    const error = await failure(adapter.createInvitation(request));
    expect(error.retry).toBe(true);
    expect(error.message).toContain(String(status));
  });

  it.each<[string, number]>([
    ['120', 120_000],
    ['Sat, 01 Mar 2025 10:00:30 GMT', 30_000],
  ])('treats 429 as transient and carries Retry-After %s', async (retryAfter, expectedMs) => {
    nock(PLATFORM).post('/api/invitations').reply(429, { error: 'slow down' }, { 'Retry-After': retryAfter });
    const error = await failure(adapter.createInvitation(request));
    expect(error.retry).toBe(true);
    expect(error.retryAfterMs).toBe(expectedMs);
    expect(error.problems[0]?.code).toBe('throttled');
  });

  it('treats no answer within timeoutMs as transient', async () => {
    nock(PLATFORM)
      .post('/api/invitations')
      .delay(1000)
      .reply(201, { invitation: { url: `${PLATFORM}/start/1` } });
    const error = await failure(adapter.createInvitation(request));
    expect(error.retry).toBe(true);
    expect(error.message).toContain('no answer within 200 ms');
  });

  it('counts the answer body within timeoutMs too (headers in time, body too late)', async () => {
    nock(PLATFORM)
      .post('/api/invitations')
      .delayBody(1000)
      .reply(201, { invitation: { url: `${PLATFORM}/start/1` } });
    const error = await failure(adapter.createInvitation(request));
    expect(error.retry).toBe(true);
    expect(error.message).toContain('no answer within 200 ms');
  });

  it('treats a network error as transient', async () => {
    nock(PLATFORM).post('/api/invitations').replyWithError({ code: 'ECONNRESET', message: 'socket hang up' });
    const error = await failure(adapter.createInvitation(request));
    expect(error.retry).toBe(true);
    expect(error.message).toContain('unreachable');
  });

  it('treats 400 as permanent, with the status and a hash of the platform text, never the text or the request body', async () => {
    nock(PLATFORM)
      .post('/api/invitations')
      .reply(400, { error: 'unknown field "until"', detail: 'x'.repeat(1000) });
    const error = await failure(adapter.createInvitation(request));
    expect(error.retry).toBe(false);
    expect(error.message).toContain('400');
    expect(error.message).toMatch(/text #[0-9a-f]{12}/);
    expect(error.message).not.toContain('unknown field');
    expect(error.message).not.toContain('pseudo-42');
    expect(error.message.length).toBeLessThan(400);
  });

  it.each([401, 403, 404, 409, 422])('treats %i as permanent', async (status) => {
    nock(PLATFORM).post('/api/invitations').reply(status, '');
    expect((await failure(adapter.createInvitation(request))).retry).toBe(false);
  });

  it.each<[string, unknown]>([
    ['without a link', { invitation: { id: 'x' } }],
    ['with a link that is no URL', { invitation: { url: 'start/1' } }],
    ['with a link of another scheme', { invitation: { url: 'javascript:alert(1)' } }],
    ['with a link that is no string', { invitation: { url: 42 } }],
  ])('treats an answer %s as permanent', async (_name, answer) => {
    nock(PLATFORM)
      .post('/api/invitations')
      .reply(201, answer as nock.Body);
    const error = await failure(adapter.createInvitation(request));
    expect(error.retry).toBe(false);
    expect(error.message).toContain('invitation.url');
  });

  it('treats an answer that is not JSON as permanent', async () => {
    nock(PLATFORM).post('/api/invitations').reply(201, '<html>ok</html>');
    expect((await failure(adapter.createInvitation(request))).retry).toBe(false);
  });

  it('does not follow a redirect', async () => {
    nock(PLATFORM).post('/api/invitations').reply(307, '', { Location: 'https://elsewhere.example.org/api' });
    const error = await failure(adapter.createInvitation(request));
    expect(error.retry).toBe(false);
    expect(error.message).toContain('307');
  });
});

describe('toInvitation', () => {
  it.each<[string, unknown, string]>([
    ['a top-level field', { link: 'https://a.example.org/1' }, 'link'],
    ['a nested field', { data: { invite: { href: 'http://a.example.org/2' } } }, 'data.invite.href'],
    ['an array item', { links: [{ href: 'https://a.example.org/3' }] }, 'links.0.href'],
  ])('reads %s', (_name, answer, field) => {
    expect(toInvitation(answer, field, 'aid').link).toMatch(/^https?:\/\/a\.example\.org\/\d$/);
  });

  it('does not read inherited properties', () => {
    expect(() => toInvitation({}, 'constructor.name', 'aid')).toThrow(DecisionAidError);
  });
});

// nock patches node:http for the whole worker process; undo it so later test files get the real one.
afterAll(() => nock.restore());
