import { R4_RESOURCE_TYPES } from './r4-resource-types.js';

/** A literal FHIR reference split into its parts; `reference` is always the relative `Type/id`. */
export interface ReferenceParts {
  resourceType: string;
  id: string;
  /** From a `/_history/N` suffix, when the reference names one version. */
  versionId?: string;
  reference: string;
}

// FHIR R4 `id` datatype: 1–64 of [A-Za-z0-9-.]; version ids follow the same rule.
const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;
// A resource type name: upper-case first letter, letters only (e.g. MedicationRequest).
const RESOURCE_TYPE = /^[A-Z][A-Za-z]{1,63}$/;
// Only web URLs carry a server base; `urn:uuid:` and `#contained` are not EPD resources.
const ABSOLUTE_URL = /^https?:\/\//i;

/** True for a valid FHIR resource or version id. */
export function isFhirId(value: unknown): value is string {
  return typeof value === 'string' && FHIR_ID.test(value);
}

/** True for a FHIR R4 resource type name (a well-shaped but made-up name such as `Foo` is not one). */
export function isResourceType(value: unknown): value is string {
  return typeof value === 'string' && RESOURCE_TYPE.test(value) && R4_RESOURCE_TYPES.has(value);
}

/**
 * Splits `Type/id`, `Type/id/_history/N`, or an absolute URL ending in one of those into parts.
 * Returns undefined for anything else (urn:uuid, contained `#id`, conditional `Type?query`).
 */
export function parseReference(raw: string): ReferenceParts | undefined {
  const segments = pathSegments(raw);
  if (!segments) return undefined;
  const tail = segments.length >= 4 && segments.at(-2) === '_history' ? segments.slice(-4) : segments.slice(-2);
  const [resourceType, id, history, versionId] = tail;
  if (!ABSOLUTE_URL.test(raw) && segments.length !== tail.length) return undefined; // relative paths must be exact
  if (!isResourceType(resourceType) || !isFhirId(id)) return undefined;
  if (history !== undefined && !isFhirId(versionId)) return undefined;
  const reference = `${resourceType}/${id}`;
  return versionId === undefined ? { resourceType, id, reference } : { resourceType, id, versionId, reference };
}

/** True when two parsed references name the same resource (versions are not compared). */
export function sameResource(a: ReferenceParts, b: ReferenceParts): boolean {
  return a.resourceType === b.resourceType && a.id === b.id;
}

function pathSegments(raw: string): string[] | undefined {
  if (raw.includes('?') || raw.includes('#')) return undefined;
  if (!ABSOLUTE_URL.test(raw)) return raw.split('/');
  try {
    return new URL(raw).pathname.split('/').filter((s) => s !== '');
  } catch {
    return undefined;
  }
}
