import { createAuthHeaders } from './epd-auth.js';
import type { EpdClient } from './epd-client.js';
import { createEpdTransport, type TransportAnswer } from './epd-transport.js';
import { createEpdClient, type EpdClientOptions } from './fhir-epd-client.js';

/** A GET outside the FHIR port (`metadata`, `Subscription/1/$status`), relative to the EPD's base. */
export type EpdGet = (path: string, options?: { timeoutMs?: number }) => Promise<TransportAnswer>;

/** Everything the service says to the EPD, over one transport and with one token. */
export interface EpdConnection {
  /** The FHIR port. */
  client: EpdClient;
  /** The FHIR port on another server reached the same way (AUDIT_BASE_URL): same transport, same token. */
  clientFor(baseUrl: string): EpdClient;
  /** `GET <base>/<path>` with the EPD's auth (one new token after a 401), for the calls the port has no method for. */
  get: EpdGet;
  /** Closes the pooled connections. */
  close(): Promise<void>;
}

/**
 * The one place a process builds its way to the EPD from the configuration: one transport (keep-alive
 * pool, TLS, size cap, timeout, no redirects) and one token cache, shared by the FHIR client, the
 * token request, `$status` and the readiness probe's `/metadata`.
 */
export function connectEpd(options: EpdClientOptions): EpdConnection {
  const transport = createEpdTransport(options);
  const auth = createAuthHeaders(options.auth, transport);
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const link = { transport, auth };
  return {
    client: createEpdClient(options, link),
    // Trusted paging bases name the EPD, not the other server.
    clientFor: (other) => createEpdClient({ ...options, baseUrl: other, trustedBaseUrls: [] }, link),
    async get(path, getOptions = {}) {
      const request = `GET ${path.split('?')[0]}`;
      for (let attempt = 1; ; attempt++) {
        const authorization = await auth.authorization();
        const answer = await transport.send(request, `${baseUrl}/${path}`, {
          method: 'GET',
          headers: { accept: 'application/fhir+json', ...(authorization ? { authorization } : {}) },
          ...getOptions,
        });
        if (answer.status === 401 && attempt === 1 && auth.renew(authorization)) continue;
        return answer;
      }
    },
    close: () => transport.close(),
  };
}
