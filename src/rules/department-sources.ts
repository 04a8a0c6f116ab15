import type { Encounter, Organization, Reference, Resource } from '@medplum/fhirtypes';
import type { RuleFacts } from './types.js';

/** Where a department can be read from, in the order the skip reason names them. */
export interface DepartmentSource {
  source: 'Encounter.serviceProvider' | 'requester organization' | 'Patient.managingOrganization';
  organization: Reference;
}

/** `Type/id` at the end of a relative or absolute reference, optionally with a version. */
const TYPED_REFERENCE = /(?:^|\/)([A-Z][A-Za-z]{1,63})\/([A-Za-z0-9.-]{1,64})(?:\/_history\/[^/]+)?$/;

/** `Type/id` of a literal reference, or `undefined` for a contained, logical or malformed one. */
export function relativeReference(reference: Reference | undefined): string | undefined {
  const match = reference?.reference ? TYPED_REFERENCE.exec(reference.reference) : null;
  return match ? `${match[1]}/${match[2]}` : undefined;
}

/**
 * The organizations that can say which department a change belongs to: the encounter's
 * serviceProvider (where the care happens), the organization of whoever requested or wrote it
 * (a PractitionerRole's organization, or an Organization itself), and the patient's
 * managingOrganization. Why all three: a zib Patient often has no managingOrganization and a
 * medication agreement often no encounter, but its requester's role names the department.
 */
export function departmentSources(
  facts: Pick<RuleFacts, 'resource' | 'encounter' | 'patient' | 'practitionerRoles'>,
): DepartmentSource[] {
  const encounter =
    facts.encounter ?? (facts.resource.resourceType === 'Encounter' ? (facts.resource as Encounter) : undefined);
  const sources: DepartmentSource[] = [];
  if (encounter?.serviceProvider)
    sources.push({ source: 'Encounter.serviceProvider', organization: encounter.serviceProvider });
  const requester = requesterOf(facts.resource);
  const requesterRef = relativeReference(requester);
  if (requester && requesterRef?.startsWith('Organization/'))
    sources.push({ source: 'requester organization', organization: requester });
  const role = facts.practitionerRoles?.find((r) => requesterRef === `PractitionerRole/${r.id}`);
  if (role?.organization) sources.push({ source: 'requester organization', organization: role.organization });
  if (facts.patient?.managingOrganization)
    sources.push({ source: 'Patient.managingOrganization', organization: facts.patient.managingOrganization });
  return sources;
}

/** Who requested or wrote the change (`requester`, or a CarePlan's `author`). */
export function requesterOf(resource: Resource): Reference | undefined {
  const fields = resource as { requester?: Reference; author?: Reference };
  return fields.requester ?? fields.author;
}

/**
 * Whether an organization is one of the departments the mapping names: by reference
 * (`Organization/kinderlongziekten`, also at the end of an absolute URL), or by identifier
 * (`value`, or `system|value` such as an AGB, URA or the hospital's own department code) on the
 * reference itself or on the Organization read from the EPD.
 */
export function isDepartment(
  reference: Reference,
  organization: Organization | undefined,
  department: string,
): boolean {
  const written = reference.reference;
  if (written !== undefined && (written === department || written.endsWith(`/${department}`))) return true;
  const identifiers = [...(reference.identifier ? [reference.identifier] : []), ...(organization?.identifier ?? [])];
  return identifiers.some(
    (identifier) =>
      identifier.value !== undefined &&
      (identifier.value === department || `${identifier.system ?? ''}|${identifier.value}` === department),
  );
}

/** The PractitionerRole whose organization is asked for, when the change names one as requester. */
export function requesterRoleReference(resource: Resource): string | undefined {
  const reference = relativeReference(requesterOf(resource));
  return reference?.startsWith('PractitionerRole/') ? reference : undefined;
}
