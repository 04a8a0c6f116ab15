import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connectEpd } from '../epd/connect-epd.js';
import type { EpdAuth } from '../epd/epd-auth.js';
import { createReadinessCheck, type ReadinessDeps } from './readiness.js';

/** A stand-in EPD on loopback that answers /metadata with a chosen status, or not at all. */
async function startEpd(answer: { status?: number; hang?: boolean }) {
  const seen: { path?: string; authorization?: string }[] = [];
  const server: Server = createServer((req, res) => {
    seen.push({ path: req.url, authorization: req.headers.authorization });
    if (answer.hang) return;
    res
      .writeHead(answer.status ?? 200, { 'content-type': 'application/fhir+json' })
      .end('{"resourceType":"CapabilityStatement"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/fhir`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const redisReady = { status: 'ready', ping: async () => 'PONG' };
const mappings = () => ({ files: ['a.yaml'], triggers: [{}, {}] });

/** The EPD side as the service wires it: a GET over the shared transport, with the EPD's auth. */
function epdAt(baseUrl: string, auth: EpdAuth = { type: 'none' }): ReadinessDeps['epd'] {
  return { get: connectEpd({ baseUrl, auth, timeoutMs: 2_000 }).get };
}

/** A check whose timeout only a test about timing out runs into: a busy machine must not make a ready EPD look away. */
function check(overrides: Partial<ReadinessDeps> & Pick<ReadinessDeps, 'epd'>) {
  return createReadinessCheck({ redis: redisReady, getMappings: mappings, timeoutMs: 10_000, ...overrides });
}

describe('createReadinessCheck', () => {
  it('is ready when Redis answers, the EPD answers /metadata and triggers are loaded', async () => {
    const epd = await startEpd({ status: 200 });
    try {
      const report = await check({ epd: epdAt(epd.baseUrl, { type: 'bearer', token: 'epd-token' }) })();
      expect(report.ready).toBe(true);
      expect(report.checks.map((c) => [c.name, c.ok])).toEqual([
        ['redis', true],
        ['epd', true],
        ['mappings', true],
      ]);
      expect(epd.seen).toEqual([{ path: '/fhir/metadata', authorization: 'Bearer epd-token' }]);
    } finally {
      await epd.close();
    }
  });

  it.each([
    [{ status: 503 }, /HTTP 503/],
    [{ status: 401 }, /refuses our credentials/],
    [{ hang: true }, /no answer in time/],
  ])('is not ready when the EPD answers %p', async (answer, detail) => {
    const epd = await startEpd(answer);
    try {
      const report = await check({ epd: epdAt(epd.baseUrl), ...('hang' in answer ? { timeoutMs: 300 } : {}) })();
      expect(report.ready).toBe(false);
      expect(report.checks.find((c) => c.name === 'epd')).toMatchObject({
        ok: false,
        detail: expect.stringMatching(detail),
      });
    } finally {
      await epd.close();
    }
  });

  it('says what is wrong when nothing listens at the EPD address', async () => {
    const gone = await startEpd({ status: 200 });
    await gone.close(); // its port is now closed (fetch refuses low ports such as 1 by itself)
    const report = await check({ epd: epdAt(gone.baseUrl) })();
    expect(report.checks.find((c) => c.name === 'epd')).toMatchObject({
      ok: false,
      detail: 'GET /metadata failed: ECONNREFUSED',
    });
  });

  it.each([
    [{ status: 'reconnecting', ping: async () => 'PONG' }, 'no connection to Redis (reconnecting)'],
    [{ status: 'ready', ping: () => new Promise(() => undefined) }, 'PING failed: no answer within 300 ms'],
    [{ status: 'ready', ping: async () => Promise.reject(new Error('LOADING')) }, 'PING failed: LOADING'],
  ])('is not ready when Redis is %p', async (redis, detail) => {
    const epd = await startEpd({ status: 200 });
    try {
      const report = await check({ redis, epd: epdAt(epd.baseUrl), timeoutMs: 300 })();
      expect(report.ready).toBe(false);
      expect(report.checks[0]).toEqual({ name: 'redis', ok: false, detail });
    } finally {
      await epd.close();
    }
  });

  it.each([[undefined], [{ files: ['a.yaml'], triggers: [] }]])(
    'is not ready without triggers (%p)',
    async (loaded) => {
      const epd = await startEpd({ status: 200 });
      try {
        const report = await check({ epd: epdAt(epd.baseUrl), getMappings: () => loaded })();
        expect(report.checks[2]).toEqual({
          name: 'mappings',
          ok: false,
          detail: 'no mapping file with triggers is loaded',
        });
      } finally {
        await epd.close();
      }
    },
  );

  it('asks the EPD at most once per cache period, also for concurrent probes', async () => {
    const epd = await startEpd({ status: 200 });
    let clock = 0;
    try {
      const ready = check({ epd: epdAt(epd.baseUrl), epdCacheMs: 5_000, now: () => clock });
      await Promise.all([ready(), ready(), ready()]);
      clock = 4_999;
      await ready();
      expect(epd.seen).toHaveLength(1);
      clock = 5_000;
      await ready();
      expect(epd.seen).toHaveLength(2);
    } finally {
      await epd.close();
    }
  });
});
