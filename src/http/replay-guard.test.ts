import request from 'supertest';
import type { EpdEvent } from '../intake/epd-event.js';
import { createLogger } from '../shared/logger.js';
import { createApp } from './create-app.js';
import { memorySeenSignatures } from './replay-guard.js';
import { signRequest } from './verify-source.js';

const SECRET = 'engine-secret-0123456789';
const TOKEN = 'hix-token-0123456789';
const body = JSON.stringify({ resourceType: 'MedicationRequest', id: 'mr-1', meta: { versionId: '3' } });

function appWith(options: { queueDown?: () => boolean; clock?: () => number; releaseDelayMs?: number } = {}) {
  const memory = memorySeenSignatures(options.clock);
  // A release that takes a while, as a Redis round trip under load does.
  const seen = options.releaseDelayMs
    ? {
        claim: memory.claim,
        release: async (signature: string) => {
          await new Promise((resolve) => setTimeout(resolve, options.releaseDelayMs));
          await memory.release(signature);
        },
      }
    : memory;
  const queued: EpdEvent[] = [];
  const app = createApp({
    log: createLogger({ level: 'silent' }),
    notify: {
      epdBase: 'https://epd.example.org/fhir',
      sources: [
        { id: 'engine', auth: { type: 'hmac', secret: SECRET } },
        { id: 'hix', auth: { type: 'bearer', token: TOKEN } },
      ],
      maxBodyBytes: 64 * 1024,
      relevantTypes: () => new Set(['MedicationRequest']),
      enqueueEvents: async (events) => {
        if (options.queueDown?.()) throw new Error('Redis away');
        queued.push(...events);
      },
    },
    replay: { seen, windowSeconds: 300 },
  });
  const post = (headers: Record<string, string>, payload = body) =>
    request(app)
      .post('/fhir/notify')
      .set({ 'content-type': 'application/fhir+json', ...headers })
      .send(payload);
  return { post, queued };
}

describe('replay guard on signed intake', () => {
  it('refuses an exact copy of an accepted signed request with 409 and queues nothing more', async () => {
    const { post, queued } = appWith();
    const headers = signRequest(SECRET, body);
    expect((await post(headers)).status).toBe(202);
    const replay = await post(headers);
    expect(replay.status).toBe(409);
    expect(replay.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'duplicate' }] });
    expect(queued).toHaveLength(1);
  });

  it('accepts a redelivery that is signed again with a new timestamp (the event key dedupes it)', async () => {
    const { post, queued } = appWith();
    expect((await post(signRequest(SECRET, body, Date.now() - 2_000))).status).toBe(202);
    expect((await post(signRequest(SECRET, body))).status).toBe(202);
    expect(queued.map((e) => e.eventKey)).toEqual([queued[0]!.eventKey, queued[0]!.eventKey]);
  });

  it.each([
    ['a bogus value added in front', (sig: string) => `v1=00, ${sig}`],
    ['a bogus value added after', (sig: string) => `${sig},v1=ff`],
    ['extra white space', (sig: string) => ` ${sig} `],
  ])('sees through a replayed header with %s', async (_name, mangle) => {
    const { post } = appWith();
    const headers = signRequest(SECRET, body);
    expect((await post(headers)).status).toBe(202);
    expect((await post({ ...headers, 'x-sdm-signature': mangle(headers['x-sdm-signature']!) })).status).toBe(409);
  });

  it('lets the very same bytes through again after a 503, so a plain retry loses nothing', async () => {
    let down = true;
    const { post, queued } = appWith({ queueDown: () => down });
    const headers = signRequest(SECRET, body);
    expect((await post(headers)).status).toBe(503);
    down = false;
    expect((await post(headers)).status).toBe(202);
    expect(queued).toHaveLength(1);
  });

  it('releases the claim of a refused request before answering, so the same bytes sent at once are not a replay', async () => {
    const { post, queued } = appWith({ releaseDelayMs: 100 });
    const headers = signRequest(SECRET, body);
    expect((await post({ ...headers, 'content-type': 'text/plain' })).status).toBe(415);
    expect((await post(headers)).status).toBe(202); // sent again right away, with the right content type
    expect(queued).toHaveLength(1);
  });

  it('does not let a forged request with a real signature block the real one', async () => {
    const { post } = appWith();
    const headers = signRequest(SECRET, body);
    expect((await post(headers, body.replace('mr-1', 'mr-2'))).status).toBe(401);
    expect((await post(headers)).status).toBe(202);
  });

  it('forgets a signature after twice the window', async () => {
    let now = Date.now();
    const { post } = appWith({ clock: () => now });
    const headers = signRequest(SECRET, body);
    expect((await post(headers)).status).toBe(202);
    now += 601_000;
    // Only the store's clock moved: the claim is gone, while the signature itself is still fresh by the real clock.
    expect((await post(headers)).status).toBe(202);
  });

  it('leaves bearer requests alone', async () => {
    const { post } = appWith();
    const bearer = { authorization: `Bearer ${TOKEN}` };
    expect((await post(bearer)).status).toBe(202);
    expect((await post(bearer)).status).toBe(202);
  });
});
