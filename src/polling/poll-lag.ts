import type { IntakeSource, PollConfig } from '../config/load-config.js';
import type { CursorStore } from './cursor-store.js';

/** How far one polled source is behind, and the lag at which it counts as stuck. */
export interface PollLagReading {
  source: string;
  lagSeconds: number;
  /** Undefined when POLL_MAX_LAG_INTERVALS is 0 (no limit). */
  limitSeconds?: number;
}

/**
 * Reads the lag of every source that is polled (mode poll or both): now minus the moment up to
 * which its last caught-up poll read. A source never polled since this process first looked (a
 * new source, or Redis lost the poll state) counts from that first look, so it shows as behind
 * once the limit has passed without a poll, instead of never.
 */
export function createPollLag(options: {
  cursors: Pick<CursorStore, 'polledUntil'>;
  sources: readonly IntakeSource[];
  settings: Pick<PollConfig, 'intervalMs' | 'maxLagIntervals'>;
  now: () => Date;
}): () => Promise<PollLagReading[]> {
  const { settings } = options;
  const polled = options.sources.filter((source) => (source.mode ?? 'push') !== 'push').map((source) => source.id);
  const firstLook = new Map<string, number>();
  const intervals = settings.maxLagIntervals ?? 0;
  const limitSeconds = intervals > 0 ? (settings.intervalMs * intervals) / 1000 : undefined;
  return async () => {
    const nowMs = options.now().getTime();
    return Promise.all(
      polled.map(async (source) => {
        const until = await options.cursors.polledUntil(source);
        if (until === undefined && !firstLook.has(source)) firstLook.set(source, nowMs);
        const since = until ?? firstLook.get(source) ?? nowMs;
        return {
          source,
          lagSeconds: Math.max(0, nowMs - since) / 1000,
          ...(limitSeconds !== undefined ? { limitSeconds } : {}),
        };
      }),
    );
  };
}
