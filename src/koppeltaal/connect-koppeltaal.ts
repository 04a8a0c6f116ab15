import { connectEpd, type EpdConnection } from '../epd/connect-epd.js';
import type { KoppeltaalSettings } from './koppeltaal-settings.js';

/**
 * The way to the Koppeltaal store: a FHIR client with its own transport and its own SMART Backend
 * Services token. Why not `clientFor` on the EPD's connection: that would send the EPD's token to
 * another host. Same client code (timeouts, size cap, 409/412 retries, errors) as the EPD's.
 */
export function connectKoppeltaal(
  settings: Pick<KoppeltaalSettings, 'baseUrl' | 'auth' | 'timeoutMs'>,
  maxResponseBytes?: number,
): EpdConnection {
  return connectEpd({
    baseUrl: settings.baseUrl,
    auth: settings.auth,
    timeoutMs: settings.timeoutMs,
    ...(maxResponseBytes ? { maxResponseBytes } : {}),
  });
}
