import type { Problem } from '../shared/errors.js';
import { buildEvent, contentKey, dedupeEvents, occurredAtOf, type IntakeContext } from '../intake/build-event.js';
import type { EpdEvent } from '../intake/epd-event.js';
import { lastUpdated, resourceTarget, type ResourceJson } from '../intake/resource-target.js';

/** The events of one search, the newest `meta.lastUpdated` among them, and how many results had no usable id. */
export interface PolledEvents {
  events: EpdEvent[];
  newestMs?: number;
  unusable: number;
}

/**
 * Turns search results into the same events a push of those changes gives: the key of a versioned
 * resource is `versionEventKey(epdBase, Type/id, versionId)`, exactly as intake builds it, so a change
 * that is both pushed and polled is one job. A server without version ids gets the content key.
 */
export function pollEvents(ctx: IntakeContext, resources: readonly unknown[]): PolledEvents {
  const events: EpdEvent[] = [];
  let newestMs: number | undefined;
  let unusable = 0;
  for (const resource of resources as ResourceJson[]) {
    const problems: Problem[] = [];
    const target = resourceTarget(resource, resource.resourceType, problems);
    if (!target) {
      unusable++;
      continue;
    }
    const stamp = lastUpdated(resource);
    const stampMs = stamp === undefined ? Number.NaN : Date.parse(stamp);
    if (!Number.isNaN(stampMs)) newestMs = Math.max(newestMs ?? stampMs, stampMs);
    const occurredAt = occurredAtOf([stamp], ctx);
    const unversionedKey = contentKey(ctx, target.reference, resource, { occurredAt });
    events.push(buildEvent({ shape: 'poll', target, occurredAt, unversionedKey }, ctx));
  }
  return { events: dedupeEvents(events), ...(newestMs === undefined ? {} : { newestMs }), unusable };
}
