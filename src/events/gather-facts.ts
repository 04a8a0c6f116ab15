import type {
  Bundle,
  Consent,
  Encounter,
  Organization,
  Patient,
  PractitionerRole,
  RelatedPerson,
  Resource,
} from '@medplum/fhirtypes';
import { departmentSources, relativeReference, requesterRoleReference } from '../rules/department-sources.js';
import { resourcesOrThrow } from '../epd/batch-answer.js';
import type { EpdClient } from '../epd/epd-client.js';
import { patientReferenceOf } from '../rules/evaluate-rules.js';
import { foreignPatientServer } from '../rules/patient-reference-of.js';
import { linkedReferencesOf, withLinkedResources } from '../rules/linked-resources.js';
import type { RuleFacts } from '../rules/types.js';
import { EpdError } from '../epd/epd-error.js';
import type { EpdEvent } from '../intake/epd-event.js';
import { resolveInteraction } from './resolve-interaction.js';

type WithId<T> = T & { id: string };

/** Whether the rules need the patient's record for this resource version (see `mayInvite`). */
export type NeedsRecord = (facts: Pick<RuleFacts, 'resource' | 'interaction'>) => boolean;

/** What narrows the reads of `gatherFacts`. */
export interface GatherOptions {
  /** False when the resource alone rules out every trigger: nothing more is read. */
  needsRecord?: NeedsRecord;
  /** The EPD's own base URLs: a patient named on another server is not read. */
  ownBases?: readonly string[];
  /** Whether some trigger tells a create from an update (then an unknown interaction is looked up in the history). */
  createMatters?: boolean;
}

/**
 * Reads from the EPD what the rules may look at: the resource version the event is about with the
 * Medication or Conditions it links to for its codes, its patient, the patient's RelatedPersons,
 * the patient's active Consents (objections), the encounter it belongs to, the requester's
 * PractitionerRole and the department Organizations. The rules stay pure. When `needsRecord` says the resource alone rules
 * out every trigger, only the resource is read: one request instead of four or five.
 */
export async function gatherFacts(event: EpdEvent, epd: EpdClient, options: GatherOptions = {}): Promise<RuleFacts> {
  const { needsRecord = () => true, ownBases = [], createMatters = true } = options;
  const read = await epd.read<WithId<Resource>>(
    event.versionId ? `${event.reference}/_history/${event.versionId}` : event.reference,
  );
  // Before `needsRecord`: the codes that decide whether this is a key moment may be on a linked Medication or Condition.
  const resource = withLinkedResources(read, await readLinked(epd, linkedReferencesOf(read)));
  const interaction = await resolveInteraction(event, resource, epd, createMatters);
  if (!needsRecord({ resource, interaction }))
    return { resource, interaction, occurredAt: event.occurredAt, relatedPersons: [] };
  // A patient on another server is not read: the same id here is another person.
  const foreignPatient = foreignPatientServer(resource, ownBases);
  if (foreignPatient)
    return { resource, interaction, occurredAt: event.occurredAt, relatedPersons: [], foreignPatient };
  const patientRef = patientReferenceOf(resource, ownBases);
  const encounterRef = encounterReferenceOf(resource);
  // One batch request for the rest of the record, instead of one request each.
  const byPatient = (type: string, params: Record<string, string>) =>
    `${type}?${new URLSearchParams({ patient: patientRef!, ...params })}`;
  const roleRef = requesterRoleReference(resource);
  const urls = [
    ...(patientRef
      ? [patientRef, byPatient('RelatedPerson', RELATED_PERSONS), byPatient('Consent', ACTIVE_CONSENTS)]
      : []),
    ...(encounterRef ? [encounterRef] : []),
  ];
  const [answers, practitionerRoles] = await Promise.all([
    epd.readBatch(urls).then(resourcesOrThrow),
    readLinked(epd, roleRef ? [roleRef] : []) as Promise<WithId<PractitionerRole>[]>,
  ]);
  const [patient, relatedPersons, consents] = patientRef
    ? [
        answers[0] as WithId<Patient>,
        await allMatches<WithId<RelatedPerson>>(epd, 'RelatedPerson', answers[1] as Bundle, {
          patient: patientRef,
          ...RELATED_PERSONS,
        }),
        await allMatches<WithId<Consent>>(epd, 'Consent', answers[2] as Bundle, {
          patient: patientRef,
          ...ACTIVE_CONSENTS,
        }),
      ]
    : [undefined, [], []];
  const encounter =
    resource.resourceType === 'Encounter'
      ? (resource as WithId<Encounter>)
      : encounterRef
        ? (answers.at(-1) as WithId<Encounter>)
        : undefined;
  const facts: RuleFacts = {
    resource,
    interaction,
    occurredAt: event.occurredAt,
    relatedPersons,
    consents,
    practitionerRoles,
    ...(patient ? { patient } : {}),
    ...(encounter ? { encounter } : {}),
  };
  // The department's Organization, for its identifiers: real servers assign their own ids.
  const department = relativeReference(departmentSources(facts)[0]?.organization);
  if (!department?.startsWith('Organization/')) return facts;
  return { ...facts, organizations: (await readLinked(epd, [department])) as Organization[] };
}

/** Parents and guardians: far fewer than a page. */
const RELATED_PERSONS = { _count: '50' };
/** Only active Consents can object; the rules still check status, patient and period themselves. */
const ACTIVE_CONSENTS = { status: 'active', _count: '50' };

/** The matches of a search answered in a batch; when it has more pages, the search is run again with paging. */
async function allMatches<T extends Resource>(
  epd: EpdClient,
  type: T['resourceType'],
  page: Bundle,
  params: Record<string, string>,
): Promise<T[]> {
  if (page.link?.some((link) => link.relation === 'next')) return epd.search<T>(type, params);
  return (page.entry ?? [])
    .filter((e) => e.resource?.resourceType === type && (e.search?.mode ?? 'match') === 'match')
    .map((e) => e.resource as T);
}

/**
 * The resources a change links to for its codes, in one batch. A target that is gone or forbidden
 * (a permanent answer) is left out, so the rules say "no code" instead of the job retrying forever;
 * a transient failure is thrown so the job tries again.
 */
async function readLinked(epd: EpdClient, references: readonly string[]): Promise<Resource[]> {
  if (!references.length) return [];
  const answers = await epd.readBatch(references);
  const linked: Resource[] = [];
  for (const answer of answers) {
    if ('resource' in answer) {
      if (answer.resource) linked.push(answer.resource);
    } else if (!(answer.error instanceof EpdError) || answer.error.retry) throw answer.error;
  }
  return linked;
}

/** The encounter the resource belongs to, when it names one (an Encounter is its own). */
function encounterReferenceOf(resource: Resource): string | undefined {
  if (resource.resourceType === 'Encounter') return undefined;
  const ref = (resource as { encounter?: { reference?: string } }).encounter?.reference;
  return ref?.startsWith('Encounter/') ? ref : undefined;
}
