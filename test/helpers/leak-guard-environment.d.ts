import { TestEnvironment } from 'jest-environment-node';

/** Watched handles running now, by type. */
export function countWatched(): Map<string, number>;
/** What is running now beyond `before`, e.g. `TCPServerWrap ×1`. */
export function leftSince(before: Map<string, number>): string[];
/** What is still running beyond `before` once closing had `graceMs` (default 2 s) to finish. */
export function leftAfterGrace(before: Map<string, number>, graceMs?: number): Promise<string[]>;
export default class LeakGuardEnvironment extends TestEnvironment {}
