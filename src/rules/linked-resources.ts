import type { Reference, Resource } from '@medplum/fhirtypes';

/** `Type/id` at the end of a relative or absolute reference, optionally with a version. */
const LINKED_REFERENCE = /(?:^|\/)([A-Z][A-Za-z]{1,63})\/([A-Za-z0-9.-]{1,64})(?:\/_history\/[^/]+)?$/;

/** The resource types whose codes say what a linked reference is about (a product, a reason, a diagnosis). */
const CODED_TYPES = new Set(['Medication', 'Condition', 'Procedure', 'Observation']);

/**
 * The references whose targets carry the codes of a change, as `Type/id`: the Medication of a
 * medication resource (`medicationReference`), the reasons of a request or an encounter
 * (`reasonReference`) and an encounter's diagnoses (`diagnosis.condition`). Why: Dutch EPDs
 * following zib2020/MP9 code a medication agreement through a separate Medication and an
 * encounter's reason through a Condition, so the codes the mapping names are not on the change.
 * Contained targets (`#id`) are left out: they are already in the resource.
 */
export function linkedReferencesOf(resource: Resource): string[] {
  const fields = resource as unknown as {
    medicationReference?: Reference;
    reasonReference?: Reference[];
    diagnosis?: { condition?: Reference }[];
  };
  const candidates = [
    fields.medicationReference,
    ...(Array.isArray(fields.reasonReference) ? fields.reasonReference : []),
    ...(Array.isArray(fields.diagnosis) ? fields.diagnosis.map((d) => d?.condition) : []),
  ];
  const found = new Set<string>();
  for (const candidate of candidates) {
    const match = candidate?.reference ? LINKED_REFERENCE.exec(candidate.reference) : null;
    if (match && CODED_TYPES.has(match[1]!)) found.add(`${match[1]}/${match[2]}`);
  }
  return [...found];
}

/**
 * The resource as the rules read it: the linked resources read from the EPD added to `contained`,
 * so a code path reads a referenced Medication or Condition as it reads a contained one
 * (`contained.ofType(Medication).code`). The change itself is never written back.
 */
export function withLinkedResources<T extends Resource>(resource: T, linked: readonly Resource[]): T {
  if (!linked.length) return resource;
  const contained = (resource as { contained?: Resource[] }).contained ?? [];
  const known = new Set(contained.map((r) => `${r.resourceType}/${r.id ?? ''}`));
  const added: Resource[] = [];
  for (const candidate of linked) {
    const key = `${candidate.resourceType}/${candidate.id ?? ''}`;
    if (known.has(key)) continue;
    known.add(key);
    added.push(candidate);
  }
  return { ...resource, contained: [...contained, ...added] };
}
