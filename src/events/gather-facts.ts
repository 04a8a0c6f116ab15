import type { Bundle, Consent, Encounter, Patient, RelatedPerson, Resource } from '@medplum/fhirtypes';
import { resourcesOrThrow } from '../epd/batch-answer.js';
import type { EpdClient } from '../epd/epd-client.js';
import { patientReferenceOf } from '../rules/evaluate-rules.js';
import type { RuleFacts } from '../rules/types.js';
import type { EpdEvent } from '../intake/epd-event.js';
import { resolveInteraction } from './resolve-interaction.js';

type WithId<T> = T & { id: string };

/** Whether the rules need the patient's record for this resource version (see `mayInvite`). */
export type NeedsRecord = (facts: Pick<RuleFacts, 'resource' | 'interaction'>) => boolean;

/**
 * Reads from the EPD what the rules may look at: the resource version the event is about, its
 * patient, the patient's RelatedPersons, the patient's active Consents (objections) and the
 * encounter it belongs to. The rules stay pure. When `needsRecord` says the resource alone rules
 * out every trigger, only the resource is read: one request instead of four or five.
 */
export async function gatherFacts(
  event: EpdEvent,
  epd: EpdClient,
  needsRecord: NeedsRecord = () => true,
  createMatters = true,
): Promise<RuleFacts> {
  const resource = await epd.read<WithId<Resource>>(
    event.versionId ? `${event.reference}/_history/${event.versionId}` : event.reference,
  );
  const interaction = await resolveInteraction(event, resource, epd, createMatters);
  if (!needsRecord({ resource, interaction }))
    return { resource, interaction, occurredAt: event.occurredAt, relatedPersons: [] };
  const patientRef = patientReferenceOf(resource);
  const encounterRef = encounterReferenceOf(resource);
  // One batch request for the rest of the record, instead of one request each.
  const byPatient = (type: string, params: Record<string, string>) =>
    `${type}?${new URLSearchParams({ patient: patientRef!, ...params })}`;
  const urls = [
    ...(patientRef
      ? [patientRef, byPatient('RelatedPerson', RELATED_PERSONS), byPatient('Consent', ACTIVE_CONSENTS)]
      : []),
    ...(encounterRef ? [encounterRef] : []),
  ];
  const answers = resourcesOrThrow(await epd.readBatch(urls));
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
  return {
    resource,
    interaction,
    occurredAt: event.occurredAt,
    relatedPersons,
    consents,
    ...(patient ? { patient } : {}),
    ...(encounter ? { encounter } : {}),
  };
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

/** The encounter the resource belongs to, when it names one (an Encounter is its own). */
function encounterReferenceOf(resource: Resource): string | undefined {
  if (resource.resourceType === 'Encounter') return undefined;
  const ref = (resource as { encounter?: { reference?: string } }).encounter?.reference;
  return ref?.startsWith('Encounter/') ? ref : undefined;
}
