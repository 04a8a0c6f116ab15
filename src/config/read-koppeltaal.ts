import { BSN_SYSTEM, type KoppeltaalSettings } from '../koppeltaal/koppeltaal-settings.js';
import { readSmartBackend } from './read-smart-backend.js';

/** The environment keys this reads (empty means unset); the SMART keys are read by `readSmartBackend`. */
export interface KoppeltaalEnv {
  KOPPELTAAL_BASE_URL?: string;
  KOPPELTAAL_DEVICE_ID?: string;
  KOPPELTAAL_PATIENT_IDENTIFIER_SYSTEM?: string;
  EPD_TIMEOUT_MS: number;
  [key: string]: unknown;
}

const KEYS = { prefix: 'KOPPELTAAL', requiredWhen: 'KOPPELTAAL_BASE_URL is set' } as const;

/**
 * Reads the Koppeltaal 2.0 store (`KOPPELTAAL_*`); undefined when `KOPPELTAAL_BASE_URL` is unset.
 * A Koppeltaal setting without the base URL is a problem: it would silently do nothing.
 */
export function readKoppeltaal(e: KoppeltaalEnv, problems: string[]): KoppeltaalSettings | undefined {
  if (!e.KOPPELTAAL_BASE_URL) {
    const stray = Object.keys(e).filter((key) => key.startsWith('KOPPELTAAL_') && e[key] !== undefined);
    const meaningful = stray.filter(
      (key) => key !== 'KOPPELTAAL_JWT_ALG' && key !== 'KOPPELTAAL_PATIENT_IDENTIFIER_SYSTEM',
    );
    if (meaningful.length)
      problems.push(
        `KOPPELTAAL_BASE_URL: required when ${meaningful.join(', ')} ${meaningful.length === 1 ? 'is' : 'are'} set`,
      );
    return undefined;
  }
  const auth = readSmartBackend(e, problems, KEYS);
  if (!e.KOPPELTAAL_DEVICE_ID)
    problems.push(
      `KOPPELTAAL_DEVICE_ID: required when ${KEYS.requiredWhen} (the id of this application's Device in the store)`,
    );
  return {
    baseUrl: e.KOPPELTAAL_BASE_URL.replace(/\/+$/, ''),
    auth,
    deviceId: e.KOPPELTAAL_DEVICE_ID ?? '',
    patientIdentifierSystem: e.KOPPELTAAL_PATIENT_IDENTIFIER_SYSTEM ?? BSN_SYSTEM,
    timeoutMs: e.EPD_TIMEOUT_MS,
  };
}
