import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadDataType, validateResource } from '@medplum/core';
import type { Resource, StructureDefinition } from '@medplum/fhirtypes';
import { loadFhirDefinitions } from '../../src/shared/fhir-definitions.js';

/** The Koppeltaal 2.0 profiles in test/fixtures/koppeltaal (v0.8; source in its README). */
export type Kt2ProfileName = 'KT2Task' | 'KT2AuditEvent' | 'KT2ActivityDefinition';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'koppeltaal');
const loaded = new Map<Kt2ProfileName, StructureDefinition>();

/** The profile's StructureDefinition, indexed into @medplum/core's schema on first use. */
export function kt2Profile(name: Kt2ProfileName): StructureDefinition {
  const known = loaded.get(name);
  if (known) return known;
  loadFhirDefinitions(); // the base resources and data types the profile constrains
  const profile = JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8')) as StructureDefinition;
  loadDataType(profile);
  loaded.set(name, profile);
  return profile;
}

/** The messages of every error the profile finds in the resource; empty when it conforms. */
export function kt2Problems(resource: Resource, name: Kt2ProfileName): string[] {
  try {
    return validateResource(resource, { profile: kt2Profile(name) })
      .filter((issue) => issue.severity === 'error' || issue.severity === 'fatal')
      .map((issue) => `${issue.details?.text ?? issue.diagnostics ?? ''} (${issue.expression?.join(', ') ?? ''})`);
  } catch (err) {
    const outcome = (err as { outcome?: { issue?: { details?: { text?: string }; expression?: string[] }[] } }).outcome;
    if (!outcome?.issue) throw err;
    return outcome.issue.map((issue) => `${issue.details?.text ?? ''} (${issue.expression?.join(', ') ?? ''})`);
  }
}
