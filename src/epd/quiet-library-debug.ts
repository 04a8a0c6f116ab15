import createDebug from 'debug';

/** fhir-kit-client's `debug` namespaces. */
const FHIR_KIT_NAMESPACES = '-fhir-kit-client:*';

/**
 * Switches fhir-kit-client's debug output off, whatever `DEBUG` says. Why: it prints every request
 * URL with its query (a search can name a patient by BSN), request headers and, on errors, whole
 * answers (patient data) to stderr, past the logger's redaction; an operator who sets `DEBUG=*` to
 * look at another library must not get those.
 */
export function quietLibraryDebug(): void {
  const enabled = createDebug.disable();
  createDebug.enable(enabled ? `${enabled},${FHIR_KIT_NAMESPACES}` : FHIR_KIT_NAMESPACES);
}
