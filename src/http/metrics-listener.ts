import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../shared/logger.js';
import type { Metrics } from '../shared/metrics.js';
import { createMetricsApp } from './metrics-app.js';
import type { ReadinessReport } from './readiness.js';

/** The running operations listener. */
export interface MetricsListener {
  url: string;
  app: ReturnType<typeof createMetricsApp>;
  close(): Promise<void>;
}

/** Starts the operations listener (`/metrics`, `/healthz`, `/readyz`) on its own port. */
export async function startMetricsListener(options: {
  port: number;
  host: string;
  metrics: Metrics;
  readiness: () => Promise<ReadinessReport>;
  log: Logger;
}): Promise<MetricsListener> {
  const app = createMetricsApp({ metrics: options.metrics, readiness: options.readiness, log: options.log });
  const server = await new Promise<Server>((resolve, reject) => {
    const listening = app.listen(options.port, options.host, (err?: Error) =>
      err ? reject(portTaken(err, options.port)) : resolve(listening),
    );
  });
  const { port } = server.address() as AddressInfo;
  options.log.info({ port }, 'metrics listening');
  return {
    url: `http://${options.host === '0.0.0.0' ? '127.0.0.1' : options.host}:${port}`,
    app,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections(); // a scraper's keep-alive connection must not hold the shutdown
      }),
  };
}

// An api and a worker started on one host with the same .env both want METRICS_PORT: say so.
function portTaken(err: Error, port: number): Error {
  if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') return err;
  return new Error(
    `METRICS_PORT ${port} is already in use on this host (another sdm-bridge process, e.g. the api beside a worker?): ` +
      'give each process its own METRICS_PORT, or leave it empty in one of them',
  );
}
