import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createLogger } from '../shared/logger.js';
import { createMetrics } from '../shared/metrics.js';
import { startMetricsListener } from './metrics-listener.js';

describe('startMetricsListener', () => {
  let other: Server;
  beforeAll(async () => {
    other = createServer();
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => other.close(() => resolve()));
  });

  it('names METRICS_PORT and the fix when another process on the host holds the port', async () => {
    const { port } = other.address() as AddressInfo;
    const start = startMetricsListener({
      port,
      host: '127.0.0.1',
      metrics: createMetrics({ processMetrics: false }),
      readiness: async () => ({ ready: true, checks: {} }) as never,
      log: createLogger({ level: 'silent' }),
    });
    await expect(start).rejects.toThrow(
      `METRICS_PORT ${port} is already in use on this host (another sdm-bridge process, e.g. the api beside a worker?): give each process its own METRICS_PORT, or leave it empty in one of them`,
    );
  });
});
