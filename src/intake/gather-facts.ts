import type { Consent, Encounter, Patient, RelatedPerson, Resource } from '@medplum/fhirtypes';
import type { EpdClient } from '../epd/epd-client.js';
import { patientReferenceOf } from '../rules/evaluate-rules.js';
import type { RuleFacts } from '../rules/types.js';
import type { EpdEvent } from './epd-event.js';

type WithId<T> = T & { id: string };

/** Whether the rules need the patient's record for this resource version (see `mayInvite`). */
export type NeedsRecord = (facts: Pick<RuleFacts, 'resource' | 'interaction'>) => boolean;

/**
 * Reads from the EPD what the rules may look at: the resource version the event is about, its
 * patient, the patient's RelatedPersons, the patient's active Consents (objections) and the
 * encounter it belongs to. The rules stay pure. When `needsRecord` says the resource alone rules
 * out every trigger, only the resource is read: one request instead of four or five.
 */
export async function gatherFacts(event: EpdEvent, epd: EpdClient, needsRecord: NeedsRecord = () => true): Promise<RuleFacts> {
  const resource = await epd.read<WithId<Resource>>(
    event.versionId ? `${event.reference}/_history/${event.versionId}` : event.reference,
  );
  const interaction = interactionOf(event, resource);
  if (!needsRecord({ resource, interaction })) return { resource, interaction, occurredAt: event.occurredAt, relatedPersons: [] };
  const patientRef = patientReferenceOf(resource);
  const [patient, relatedPersons, encounter, consents] = await Promise.all([
    patientRef ? epd.read<WithId<Patient>>(patientRef) : undefined,
    patientRef ? epd.search<WithId<RelatedPerson>>('RelatedPerson', { patient: patientRef, _count: '50' }) : [],
    readEncounter(resource, epd),
    // Only active ones can object; the rules still check status, patient and period themselves.
    patientRef ? epd.search<WithId<Consent>>('Consent', { patient: patientRef, status: 'active', _count: '50' }) : [],
  ]);
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

/**
 * An id-only notification names no version, so intake could only guess "update"; once the resource
 * is read, version 1 tells it was a create (the same rule intake applies when it sees the version).
 */
function interactionOf(event: EpdEvent, resource: Resource): RuleFacts['interaction'] {
  if (event.versionId === undefined && event.interaction === 'update' && resource.meta?.versionId === '1') return 'create';
  return event.interaction;
}

async function readEncounter(resource: WithId<Resource>, epd: EpdClient): Promise<WithId<Encounter> | undefined> {
  if (resource.resourceType === 'Encounter') return resource as WithId<Encounter>;
  const ref = (resource as { encounter?: { reference?: string } }).encounter?.reference;
  return ref?.startsWith('Encounter/') ? epd.read<WithId<Encounter>>(ref) : undefined;
}
