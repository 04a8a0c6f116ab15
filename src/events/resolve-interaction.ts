import type { Resource } from '@medplum/fhirtypes';
import type { EpdClient } from '../epd/epd-client.js';
import type { EpdEvent, Interaction } from '../intake/epd-event.js';
import type { CompiledMappings } from '../rules/compile-mappings.js';

/**
 * Whether create and update lead to different outcomes for this resource type: some trigger takes
 * one and not the other. Only then is it worth a request to find out which one an event was.
 */
export function createMatters(mappings: CompiledMappings, resourceType: string): boolean {
  return (mappings.triggersByType.get(resourceType) ?? []).some(
    (t) => t.interactions.has('create') !== t.interactions.has('update'),
  );
}

/**
 * The interaction of an event. The notification's own word wins (`request.method`, a delete
 * header); when it said nothing, the resource's `_history` tells: the version read is a create
 * when it is the oldest version the EPD has. Why not "versionId 1": real servers use UUIDs.
 * Without a history (an EPD that offers none) or when no trigger cares, it counts as an update.
 */
export async function resolveInteraction(
  event: EpdEvent,
  resource: Resource,
  epd: EpdClient,
  matters: boolean,
): Promise<Interaction> {
  if (event.interaction !== 'unknown') return event.interaction;
  if (!matters || !epd.history) return 'update';
  const versions = await epd.history<Resource>(event.reference);
  const oldest = oldestVersion(versions);
  return oldest !== undefined && oldest === resource.meta?.versionId ? 'create' : 'update';
}

/**
 * The version id of the oldest entry: the earliest `meta.lastUpdated`; on a tie the later entry,
 * since a history Bundle lists the newest first. Pure.
 */
export function oldestVersion(versions: readonly Resource[]): string | undefined {
  let oldest: Resource | undefined;
  for (const version of versions) {
    const at = Date.parse(version.meta?.lastUpdated ?? '');
    const best = Date.parse(oldest?.meta?.lastUpdated ?? '');
    if (oldest === undefined || Number.isNaN(best) || at <= best) oldest = version;
  }
  return oldest?.meta?.versionId;
}
