import request from 'supertest';
import { createLogger } from '../shared/logger.js';
import { createApp } from './create-app.js';

const TOKEN = 'hix-token-0123456789';

function app(maxBodyBytes = 2048) {
  return createApp({
    log: createLogger({ level: 'silent' }),
    notify: {
      epdBase: 'https://epd.example.org/fhir',
      sources: [{ id: 'hix', auth: { type: 'bearer', token: TOKEN } }],
      maxBodyBytes,
      relevantTypes: () => new Set(),
      enqueueEvents: async () => undefined,
    },
  });
}

describe('security headers and body limits on every route', () => {
  it.each([
    ['GET', '/healthz'],
    ['GET', '/nope'],
    ['POST', '/fhir/notify'],
  ])('%s %s carries helmet headers', async (method, path) => {
    const res = await request(app())[method === 'GET' ? 'get' : 'post'](path);
    expect(res.headers).toMatchObject({
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
      'strict-transport-security': expect.stringContaining('max-age='),
    });
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(res.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  it.each([
    ['a route that reads no body', '/healthz'],
    ['an unknown route', '/anything'],
    ['the notify route', '/fhir/notify'],
  ])('refuses a declared body over the limit on %s with a 413 OperationOutcome', async (_name, path) => {
    const res = await request(app(2048)).post(path).set('content-type', 'application/json').send('x'.repeat(4096));
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'too-costly' }] });
  });

  it('lets a body at the limit through to the route', async () => {
    const res = await request(app(2048))
      .post('/fhir/notify')
      .set({ authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' })
      .send(' '.repeat(2048));
    expect(res.status).toBe(202); // only white space: an empty ping
  });
});
