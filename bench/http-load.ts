import autocannon from 'autocannon';
import type { BenchSettings } from './bench-settings.js';
import { cpuTimeMs } from './service-process.js';

/** What one load run measured. */
export interface HttpFigure {
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  /** Answers other than 2xx, and connection errors: a fast run full of 503s would be a false figure. */
  non2xx: number;
  errors: number;
  /** CPU time the serving process spent per request (warm-up included on both sides), in ms. */
  cpuMsPerRequest: number;
}

/**
 * POSTs a fresh body per request at `url` with autocannon (50 connections for 10 s by default,
 * after a short warm-up whose figures are dropped), and reports throughput and latency, and the
 * CPU time the process `serverPid` spent per request.
 */
export async function postLoad(options: {
  url: string;
  headers: Record<string, string>;
  body: (n: number) => string;
  http: BenchSettings['http'];
  serverPid: number;
}): Promise<HttpFigure> {
  let n = 0;
  const cpuBefore = await cpuTimeMs(options.serverPid);
  const request = {
    method: 'POST' as const,
    headers: { 'content-type': 'application/fhir+json', ...options.headers },
    setupRequest: (req: autocannon.Request) => ({ ...req, body: options.body(n++) }),
  };
  const result = await autocannon({
    url: options.url,
    connections: options.http.connections,
    duration: options.http.durationSec,
    pipelining: 1,
    requests: [request],
    // Part of autocannon's options, not of its type definitions.
    ...({ warmup: { connections: options.http.connections, duration: options.http.warmupSec } } as object),
  });
  const cpuMs = (await cpuTimeMs(options.serverPid)) - cpuBefore;
  return {
    cpuMsPerRequest: n > 0 ? Math.round((cpuMs / n) * 1000) / 1000 : NaN,
    requestsPerSec: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}
