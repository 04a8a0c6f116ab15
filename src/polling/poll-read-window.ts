import type { Resource } from '@medplum/fhirtypes';
import type { EpdClient } from '../epd/epd-client.js';
import type { Logger } from '../shared/logger.js';
import { requestIdOf } from '../shared/request-id.js';
import type { CursorStore } from './cursor-store.js';
import type { EpdEvent } from '../intake/epd-event.js';
import { pollEvents } from './poll-events.js';
import { windowSearchParams, type ReadWindow } from './poll-window.js';

/** What reading a window of changes needs. */
export interface WindowReaderDeps {
  epd: EpdClient;
  cursors: CursorStore;
  /** The same enqueue as intake: one events job per event, job id from the event key. */
  enqueueEvents: (events: EpdEvent[]) => Promise<void>;
  pageSize: number;
  /** The EPD's base URL: polled events get the same keys as pushed ones (see `versionEventKey`). */
  epdBase: string;
  now: () => Date;
}

/** How many changes a read found, how many it queued (the rest were queued before), and the newest stamp. */
export interface WindowReadResult {
  found: number;
  queued: number;
  newestMs?: number;
}

/**
 * Searches each resource type for changes in the window and queues the events no poll queued before.
 * Keys are marked as seen only after Redis holds their jobs, so a failure part-way loses nothing:
 * the next read finds the same resources and queues what is missing. Any EPD error is thrown as is.
 */
export async function readWindow(
  deps: WindowReaderDeps,
  source: string,
  types: readonly string[],
  window: ReadWindow,
  log: Logger,
): Promise<WindowReadResult> {
  const result: WindowReadResult = { found: 0, queued: 0 };
  for (const type of types) {
    const resources = await deps.epd.search<Resource>(
      type as Resource['resourceType'],
      windowSearchParams(window, deps.pageSize),
    );
    const polled = pollEvents({ source, epdBase: deps.epdBase, receivedAt: deps.now().toISOString() }, resources);
    if (polled.unusable > 0)
      log.warn({ source, resourceType: type, unusable: polled.unusable }, 'search results without a usable id skipped');
    const fresh = new Set(
      await deps.cursors.unseen(
        source,
        polled.events.map((e) => e.eventKey),
      ),
    );
    // One id per read, as a notification has one per request: `sdm-bridge trace <id>` follows a polled change too.
    const requestId = requestIdOf();
    const toQueue = polled.events.filter((e) => fresh.has(e.eventKey)).map((e) => ({ ...e, requestId }));
    if (toQueue.length)
      log.info({ source, resourceType: type, requestId, queued: toQueue.length }, 'polled changes queued');
    await deps.enqueueEvents(toQueue);
    await deps.cursors.markSeen(source, [...fresh], deps.now().getTime());
    result.found += polled.events.length;
    result.queued += toQueue.length;
    if (polled.newestMs !== undefined) result.newestMs = Math.max(result.newestMs ?? polled.newestMs, polled.newestMs);
  }
  return result;
}

/** Reads several windows one after the other (a sweep or a recovery in slices) and adds up the results. */
export async function readWindows(
  deps: WindowReaderDeps,
  source: string,
  types: readonly string[],
  windows: readonly ReadWindow[],
  log: Logger,
): Promise<WindowReadResult> {
  const total: WindowReadResult = { found: 0, queued: 0 };
  for (const window of windows) {
    const one = await readWindow(deps, source, types, window, log);
    total.found += one.found;
    total.queued += one.queued;
    if (one.newestMs !== undefined) total.newestMs = Math.max(total.newestMs ?? one.newestMs, one.newestMs);
  }
  return total;
}
