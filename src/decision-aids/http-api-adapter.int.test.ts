import nock from 'nock';
import type { DecisionAid, DeliveryConfig } from '../rules/types.js';
import { startDecisionAidStandIn, type DecisionAidStandIn } from '../sandbox/decision-aid-stand-in.js';
import { DecisionAidError } from './decision-aid-error.js';
import { createInvitationAdapter, subjectPseudonym, type InvitationRequest } from './invitation-adapter.js';

const TOKEN = 'stand-in-token';

let standIn: DecisionAidStandIn;
let aid: DecisionAid;

function aidFor(baseUrl: string, token = TOKEN): DecisionAid {
  const delivery: DeliveryConfig = {
    type: 'http-api',
    url: `${baseUrl}/api/invitations`,
    auth: { type: 'bearer', token },
    bodyTemplate: {
      invitationId: '{{invitationId}}',
      aid: '{{decisionAidId}}',
      moment: '{{keyMoment}}',
      role: '{{recipientRole}}',
      subject: '{{subjectPseudonym}}',
      callback: '{{callbackUrl}}',
    },
    linkField: 'invitation.url',
    timeoutMs: 2000,
  };
  return {
    id: 'astma-kind',
    title: 'Keuzehulp astma bij kinderen',
    activityDefinition: `${baseUrl}/fhir/ActivityDefinition/astma-kind`,
    koppeltaal: true,
    delivery,
  };
}

function requestFor(invitationId: string): InvitationRequest {
  return {
    invitationId,
    decisionAid: aid,
    keyMoment: 'treatment-choice',
    recipientRole: 'guardian',
    subjectPseudonym: subjectPseudonym('Patient/test-child-1', 'astma-kind', 'pseudonym-secret'),
    callbackUrl: 'http://127.0.0.1:1/results',
  };
}

async function rejection(promise: Promise<unknown>): Promise<DecisionAidError> {
  const error = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(DecisionAidError);
  return error as DecisionAidError;
}

beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
});
afterAll(() => nock.enableNetConnect());

beforeEach(async () => {
  standIn = await startDecisionAidStandIn({ token: TOKEN });
  aid = aidFor(standIn.baseUrl);
});
afterEach(() => standIn.close());

describe('http-api adapter against the decision-aid stand-in', () => {
  it('creates an invitation whose link opens the start page', async () => {
    const created = await createInvitationAdapter(aid).createInvitation(requestFor('inv-a'));

    expect(created.link).toMatch(new RegExp(`^${standIn.baseUrl}/start/[0-9a-f-]{36}$`));
    expect(created.externalId).toBe(created.link.split('/').pop());
    expect(standIn.invitations).toEqual([
      {
        invitationId: 'inv-a',
        body: {
          invitationId: 'inv-a',
          aid: 'astma-kind',
          moment: 'treatment-choice',
          role: 'guardian',
          subject: requestFor('inv-a').subjectPseudonym,
          callback: 'http://127.0.0.1:1/results',
        },
      },
    ]);
    const page = await fetch(created.link);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('keuzehulp');
    expect((await fetch(`${standIn.baseUrl}/start/unknown`)).status).toBe(404);
  });

  it('gets the same invitation back for a retried job, and makes no second one', async () => {
    const adapter = createInvitationAdapter(aid);
    const first = await adapter.createInvitation(requestFor('inv-b'));
    const second = await adapter.createInvitation(requestFor('inv-b'));
    const other = await adapter.createInvitation(requestFor('inv-c'));

    expect(second).toEqual(first);
    expect(other.link).not.toBe(first.link);
    expect(standIn.invitations.map((i) => i.invitationId)).toEqual(['inv-b', 'inv-c']);
  });

  it('succeeds on the attempt after a transient failure', async () => {
    const adapter = createInvitationAdapter(aid);
    standIn.failNext(503);
    expect((await rejection(adapter.createInvitation(requestFor('inv-d')))).retry).toBe(true);
    expect(standIn.invitations).toHaveLength(0);

    const created = await adapter.createInvitation(requestFor('inv-d'));
    expect(created.link).toContain('/start/');
    expect(standIn.invitations).toHaveLength(1);
  });

  it('passes on the Retry-After of a 429', async () => {
    standIn.failNext(429, 2);
    const adapter = createInvitationAdapter(aid);
    for (let i = 0; i < 2; i++) {
      const error = await rejection(adapter.createInvitation(requestFor('inv-e')));
      expect(error.retry).toBe(true);
      expect(error.retryAfterMs).toBe(1000);
    }
    await expect(adapter.createInvitation(requestFor('inv-e'))).resolves.toHaveProperty('link');
  });

  it('fails permanently on a refused request, with a hash of the platform text', async () => {
    standIn.failNext(422);
    const error = await rejection(createInvitationAdapter(aid).createInvitation(requestFor('inv-f')));
    expect(error.retry).toBe(false);
    expect(error.message).toContain('422');
    expect(error.message).not.toContain('refuses this request on purpose'); // platform texts may quote patient data
    expect(error.message).toMatch(/text #[0-9a-f]{12}/);
  });

  it('fails permanently with a wrong token', async () => {
    const wrong = aidFor(standIn.baseUrl, 'wrong-token');
    const error = await rejection(createInvitationAdapter(wrong).createInvitation(requestFor('inv-g')));
    expect(error.retry).toBe(false);
    expect(error.message).toContain('401');
    expect(standIn.invitations).toHaveLength(0);
  });

  it('is transient when the platform is gone', async () => {
    await standIn.close();
    const error = await rejection(createInvitationAdapter(aid).createInvitation(requestFor('inv-h')));
    expect(error.retry).toBe(true);
    standIn = await startDecisionAidStandIn(); // afterEach closes a running one
  });
});

// nock patches node:http for the whole worker process; undo it so later test files get the real one.
afterAll(() => nock.restore());
