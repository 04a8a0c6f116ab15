import { createServer, type Server } from 'node:http';
import type { Express } from 'express';

/** All headers must arrive within this; 50 slow-header connections stayed open 30 s before. */
export const HEADERS_TIMEOUT_MS = 10_000;
/** The whole request, body included: 5 MB in 60 s is 85 kB/s, slower than any EPD link we expect. */
export const REQUEST_TIMEOUT_MS = 60_000;
/** How often Node looks for requests over their timeouts (its default of 30 s let them linger that long). */
const TIMEOUT_CHECK_MS = 1_000;

/** Serves `app` on `host:port` with header and request timeouts, so slow callers cannot hold connections. */
export function listenApi(app: Express, port: number, host: string): Promise<Server> {
  const server = createServer(
    {
      headersTimeout: HEADERS_TIMEOUT_MS,
      requestTimeout: REQUEST_TIMEOUT_MS,
      connectionsCheckingInterval: TIMEOUT_CHECK_MS,
    },
    app,
  );
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}
