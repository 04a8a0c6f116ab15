import { ConfigError, loadConfig } from '../../src/config/load-config.js';

const valid = {
  EPD_BASE_URL: 'http://127.0.0.1:8103/fhir',
  INTAKE_SOURCES: 'hix',
  INTAKE_HIX_TOKEN: 'a-token-of-enough-length',
  PSEUDONYM_SECRET: 'a-secret-of-enough-length',
};

/** The settings the fault tests and the chaos run turn: job locks, stalls, backoff cap, shutdown grace. */
describe('reliability settings', () => {
  it('defaults to BullMQ-like locks, three stalls, no backoff cap and 25 s of shutdown grace', () => {
    const config = loadConfig(valid);
    expect(config.workers).toMatchObject({ lockMs: 30_000, stalledCheckMs: 30_000, maxStalls: 3 });
    expect(config.queues.invitations.maxBackoffMs).toBe(0);
    expect(config.shutdownGraceMs).toBe(25_000);
  });

  it('reads them from the environment', () => {
    const config = loadConfig({
      ...valid,
      JOB_LOCK_MS: '2000',
      JOB_STALLED_CHECK_MS: '1000',
      JOB_MAX_STALLS: '1',
      RETRY_BACKOFF_MAX_MS: '60000',
      SHUTDOWN_GRACE_MS: '5000',
    });
    expect(config.workers).toMatchObject({ lockMs: 2000, stalledCheckMs: 1000, maxStalls: 1 });
    expect(Object.values(config.queues).map((q) => q.maxBackoffMs)).toEqual([60_000, 60_000, 60_000, 60_000, 60_000]);
    expect(config.shutdownGraceMs).toBe(5000);
  });

  it.each([
    ['JOB_LOCK_MS', '10'],
    ['JOB_STALLED_CHECK_MS', 'soon'],
    ['JOB_MAX_STALLS', '-1'],
    ['RETRY_BACKOFF_MAX_MS', '-5'],
    ['SHUTDOWN_GRACE_MS', '1.5'],
  ])('refuses %s=%s', (key, value) => {
    expect(() => loadConfig({ ...valid, [key]: value })).toThrow(ConfigError);
  });
});
