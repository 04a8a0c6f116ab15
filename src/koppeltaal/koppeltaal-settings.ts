import type { SmartBackendAuth } from '../epd/smart-backend-auth.js';

/**
 * The Koppeltaal 2.0 FHIR store of this deployment and how the service reaches it: its own SMART
 * Backend Services client (never the EPD's token), and the Device the domain registered for it.
 */
export interface KoppeltaalSettings {
  /** The store's FHIR base, e.g. https://fhir.koppeltaal.example.org/fhir/r4 */
  baseUrl: string;
  auth: SmartBackendAuth;
  /** Id of this application's Device in the store: `resource-origin` of what it writes, the audit agent. */
  deviceId: string;
  /** The Patient identifier (in the EPD's Patient) by which the store's Patient is found, by default the BSN. */
  patientIdentifierSystem: string;
  timeoutMs: number;
}

/** The Dutch citizen service number (BSN): how Koppeltaal domains usually identify a patient. */
export const BSN_SYSTEM = 'http://fhir.nl/fhir/NamingSystem/bsn';
