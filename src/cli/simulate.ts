import { join } from 'node:path';
import type { Resource } from '@medplum/fhirtypes';
import type { EpdClient } from '../epd/epd-client.js';
import type { EpdEvent } from '../intake/epd-event.js';
import { createEventJob, type PlannedInvitation } from '../events/event-job.js';
import { parseNotification } from '../intake/parse-notification.js';
import type { CompiledMappings } from '../rules/compile-mappings.js';
import { AppError } from '../shared/errors.js';
import { createLogger } from '../shared/logger.js';
import { createFileEpd, readOnly, resourcesIn } from './simulate-epd.js';

/** Where a trigger is written, so the operator can open the line. */
export interface TriggerRef {
  triggerId: string;
  keyMoment?: string;
  decisionAidId?: string;
  /** `file:line` in the mappings directory. */
  at?: string;
}

/** What one event would lead to. */
export interface EventSimulation {
  event: Pick<EpdEvent, 'eventKey' | 'source' | 'shape' | 'resourceType' | 'reference' | 'interaction' | 'occurredAt'>;
  /** False when no trigger is written for this resource type (the service accepts and drops such events). */
  listened: boolean;
  keyMoments: string[];
  matched: TriggerRef[];
  skipped: (TriggerRef & { reason: string; code?: string })[];
  invitations: {
    invitationId: string;
    triggerId: string;
    keyMoment: string;
    decisionAidId: string;
    /** `contact`: a parent known only as a Patient.contact (its keyed hash). */
    recipient: { role: string; reference: string; contact?: string };
    delayMs: number;
    /** Nobody may be invited: only an on-hold Task for the care team would be written. */
    noRepresentative?: true;
  }[];
  /** Set when the event could not be evaluated (e.g. its resource is not in the files). */
  error?: string;
  /** With `error`: the EPD did not answer (network, timeout, 5xx), so trying again later may work. */
  unavailable?: boolean;
}

/** The whole dry run. */
export interface SimulationReport {
  dryRun: true;
  /** What the body was: events, or a handshake/heartbeat/empty ping that leads to nothing. */
  notification: string;
  events: EventSimulation[];
  notes: string[];
}

/** The EPD base a dry run keys its events under: it writes nothing, so ids and keys are only shown. */
const SIMULATED_EPD = 'urn:sdm-bridge:simulated-epd';

/** What a dry run needs. */
export interface SimulateInput {
  /** The notification body as the EPD would post it (any shape /fhir/notify accepts). */
  body: unknown;
  /** Further resources the rules may read: the patient, parents (RelatedPerson), encounter, consents. */
  facts: readonly Resource[];
  mappings: CompiledMappings;
  /** Read the facts from this EPD instead of the files (writes are refused either way). */
  epd?: EpdClient;
  /** Evaluate as on this date-time (ages, guardian periods) instead of the event's own time. */
  date?: string;
  /** Where the mapping files are, so each trigger is shown as `dir/file:line`. */
  mappingsDir?: string;
  /** The intake source the event is attributed to. */
  source?: string;
  now?: () => Date;
}

/**
 * A dry run of one notification: the real events job (facts gathered the same way, the same
 * rules) on a read-only EPD, with a throttle that always lets through and an enqueue that only
 * collects. Nothing is queued or written; every trigger that did not fire says why.
 */
export async function simulate(input: SimulateInput): Promise<SimulationReport> {
  const receivedAt = (input.now?.() ?? new Date()).toISOString();
  const parsed = parseNotification(input.body, {
    source: input.source ?? 'cli',
    epdBase: SIMULATED_EPD,
    receivedAt,
  });
  const notes = ['throttle windows (one invitation per patient and aid per window) are not checked in a dry run'];
  if (parsed.kind !== 'events')
    return {
      dryRun: true,
      notification: parsed.kind,
      events: [],
      notes: [`a ${parsed.kind} notification leads to no invitation`],
    };
  const fromFiles = [...resourcesIn(input.body), ...input.facts];
  const epd = input.epd ? readOnly(input.epd) : createFileEpd(fromFiles);
  const events: EventSimulation[] = [];
  for (const event of parsed.events) {
    events.push(
      await simulateEvent(
        input.date ? { ...event, occurredAt: input.date } : event,
        epd,
        input.mappings,
        input.mappingsDir,
      ),
    );
  }
  if (!input.epd) notes.push(...patientMismatch(events, fromFiles));
  return { dryRun: true, notification: 'events', events, notes };
}

async function simulateEvent(
  event: EpdEvent,
  epd: EpdClient,
  mappings: CompiledMappings,
  dir?: string,
): Promise<EventSimulation> {
  const planned: PlannedInvitation[] = [];
  const job = createEventJob({
    epd,
    // A dry run writes nothing: its invitation ids are only shown, so a fixed key is enough.
    identity: { epdBase: SIMULATED_EPD, invitationIdSecret: 'sdm-bridge-dry-run' },
    getMappings: () => mappings,
    throttle: { claim: async () => true },
    enqueueInvitations: async (invitations) => {
      planned.push(...invitations);
    },
  });
  const { eventKey, source, shape, resourceType, reference, interaction, occurredAt } = event;
  const base: EventSimulation = {
    event: { eventKey, source, shape, resourceType, reference, interaction, occurredAt },
    listened: mappings.resourceTypes.has(resourceType),
    keyMoments: [],
    matched: [],
    skipped: [],
    invitations: [],
  };
  const ref = triggerRefs(mappings, dir);
  try {
    const result = await job(event, {
      log: createLogger({ level: 'silent' }),
      jobId: 'dry-run',
      attempt: 1,
      maxAttempts: 1,
    });
    const matchedIds = [...new Set(planned.map((p) => p.data.triggerId))];
    return {
      ...base,
      keyMoments: [...new Set(planned.map((p) => p.data.keyMoment))],
      matched: matchedIds.map(ref),
      skipped: result.skipped.map((s) => ({ ...ref(s.triggerId), ...s })),
      invitations: planned.map(({ data, delayMs }) => ({
        invitationId: data.invitationId,
        triggerId: data.triggerId,
        keyMoment: data.keyMoment,
        decisionAidId: data.decisionAidId,
        recipient: data.recipient,
        delayMs,
        ...(data.noRepresentative ? { noRepresentative: true as const } : {}),
      })),
    };
  } catch (err) {
    return {
      ...base,
      error: (err as Error).message,
      ...(err instanceof AppError && err.retry ? { unavailable: true } : {}),
    };
  }
}

function triggerRefs(mappings: CompiledMappings, dir: string | undefined): (triggerId: string) => TriggerRef {
  const byId = new Map(mappings.triggers.map((t) => [t.id, t]));
  return (triggerId) => {
    const t = byId.get(triggerId);
    if (!t) return { triggerId };
    const file = dir ? join(dir, t.file) : t.file;
    return {
      triggerId,
      keyMoment: t.keyMoment,
      decisionAidId: t.decisionAidId,
      at: `${file}${t.line === undefined ? '' : `:${t.line}`}`,
    };
  };
}

/** A common slip: the patient file holds another patient than the one the resource names. */
function patientMismatch(events: readonly EventSimulation[], resources: readonly Resource[]): string[] {
  const given = resources.filter((r) => r.resourceType === 'Patient').map((r) => `Patient/${r.id}`);
  const unknown = events.some((e) => e.error?.startsWith('Patient/'));
  if (!unknown || !given.length) return [];
  return [
    `the patient file(s) hold ${given.join(', ')}, which is not the patient the event's resource names (its subject/patient)`,
  ];
}
