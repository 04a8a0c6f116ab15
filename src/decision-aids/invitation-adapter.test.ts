import { createHmac } from 'node:crypto';
import type { DecisionAid } from '../rules/types.js';
import { AppError } from '../shared/errors.js';
import { createInvitationAdapter, subjectPseudonym } from './invitation-adapter.js';
import { verifySignedLink } from './signed-link-adapter.js';

const base = {
  title: 'Keuzehulp',
  activityDefinition: 'https://keuzehulp.example.org/fhir/ActivityDefinition/x',
  koppeltaal: false,
};

describe('subjectPseudonym', () => {
  it.each([
    ['Patient/123', 'secret-a'],
    ['Patient/abc-def', 'secret-b'],
  ])('is the base64url HMAC-SHA256 of v2|aid|%s', (reference, secret) => {
    const expected = createHmac('sha256', secret).update(`v2|astma-kind|${reference}`).digest('base64url');
    expect(subjectPseudonym(reference, 'astma-kind', secret)).toBe(expected);
    expect(subjectPseudonym(reference, 'astma-kind', secret)).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('differs per patient, per aid and per secret, and never contains the id', () => {
    const one = subjectPseudonym('Patient/123', 'a', 's');
    expect(subjectPseudonym('Patient/124', 'a', 's')).not.toBe(one);
    expect(subjectPseudonym('Patient/123', 'b', 's')).not.toBe(one);
    expect(subjectPseudonym('Patient/123', 'a', 't')).not.toBe(one);
    expect(one).not.toContain('123');
  });

  it('is not the shared pseudonym handed out before (HMAC of the reference alone)', () => {
    const legacy = createHmac('sha256', 's').update('Patient/123').digest('base64url');
    expect(subjectPseudonym('Patient/123', 'a', 's')).not.toBe(legacy);
  });

  it('refuses an empty secret', () => {
    expect(() => subjectPseudonym('Patient/123', 'a', '')).toThrow(AppError);
  });
});

describe('createInvitationAdapter', () => {
  const request = {
    invitationId: 'inv-1',
    keyMoment: 'evaluation' as const,
    recipientRole: 'patient' as const,
    subjectPseudonym: 'p',
  };

  it('makes a signed link for a signed-link aid, without any fetch', async () => {
    const aid: DecisionAid = {
      ...base,
      id: 'a',
      delivery: { type: 'signed-link', baseUrl: 'https://aid.example.org/s', secret: 'k', validForMs: 60_000 },
    };
    const fetch = (() => Promise.reject(new Error('no fetch expected'))) as typeof globalThis.fetch;
    const now = new Date('2025-01-01T00:00:00Z');
    const created = await createInvitationAdapter(aid, { fetch, now: () => now }).createInvitation({
      ...request,
      decisionAid: aid,
    });
    expect(created.link.startsWith('https://aid.example.org/s?')).toBe(true);
    expect(verifySignedLink(created.link, 'k', now)).toEqual({ valid: true });
  });

  it('calls the platform for an http-api aid with the fetch it is given', async () => {
    const aid: DecisionAid = {
      ...base,
      id: 'b',
      delivery: {
        type: 'http-api',
        url: 'https://aid.example.org/api',
        auth: { type: 'none' },
        bodyTemplate: { id: '{{invitationId}}' },
        linkField: 'url',
        timeoutMs: 1000,
      },
    };
    const calls: string[] = [];
    const fetch = ((input: string | URL | Request) => {
      calls.push(String(input));
      return Promise.resolve(Response.json({ url: 'https://aid.example.org/start/1' }, { status: 201 }));
    }) as typeof globalThis.fetch;
    const created = await createInvitationAdapter(aid, { fetch }).createInvitation({ ...request, decisionAid: aid });
    expect(created.link).toBe('https://aid.example.org/start/1');
    expect(calls).toEqual(['https://aid.example.org/api']);
  });

  it('refuses an unknown delivery type', () => {
    const aid = { ...base, id: 'c', delivery: { type: 'carrier-pigeon' } } as unknown as DecisionAid;
    expect(() => createInvitationAdapter(aid)).toThrow(AppError);
  });
});
