import { EpdError } from './epd-error.js';

/** A FHIR resource id (R4: 1–64 of letters, digits, `-` and `.`), as a RegExp source. */
export const FHIR_ID = '[A-Za-z0-9\\-.]{1,64}';
const REFERENCE = new RegExp(`^([A-Z][A-Za-z]+)/(${FHIR_ID})(?:/_history/(${FHIR_ID}))?$`);

/**
 * `[type, id, version?]` of `Type/id`, `Type/id/_history/vid`, or either under the EPD's base
 * URL. Anything else is refused before a request is made, so no odd path reaches the EPD.
 */
export function parseReference(reference: string, baseUrl = ''): [string, string, string | undefined] {
  const relative = baseUrl && reference.startsWith(`${baseUrl}/`) ? reference.slice(baseUrl.length + 1) : reference;
  const match = REFERENCE.exec(relative);
  if (!match) {
    throw new EpdError(`not a reference to an EPD resource: ${relative.slice(0, 80)}`, {
      status: 400,
      retry: false,
      code: 'invalid',
    });
  }
  return [match[1] as string, match[2] as string, match[3]];
}
