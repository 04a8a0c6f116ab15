import type { Bundle, Resource } from '@medplum/fhirtypes';
import { notificationFor, type DemoStep } from '../sandbox/demo-scenario.js';
import { pick } from './seeded-random.js';

/** Every shape the intake route takes, as the EPD or its integration engine sends it. */
export const SEND_SHAPES = ['full-resource', 'id-only', 'message', 'resource', 'bundle'] as const;
export type SendShape = (typeof SEND_SHAPES)[number];

/** Resource Bundle types an integration engine forwards; the chaos run uses each. */
const BUNDLE_TYPES = ['transaction', 'batch', 'collection'] as const;

/** The intake sources of the run: the EPD's own feed and an integration engine forwarding the same EPD. */
export const CHAOS_SOURCES = ['hix', 'engine'] as const;
export type ChaosSource = (typeof CHAOS_SOURCES)[number];

/** One request the chaos run sends to the intake route. */
export interface PlannedSend {
  /** Index of the case (the stored change) it is about. */
  caseIndex: number;
  /** Which configured intake source sends it (its own token). */
  source: ChaosSource;
  shape: SendShape;
  /** True for a second copy of a change: a redelivery of the same body, or the same change in another shape. */
  duplicate: boolean;
  body: unknown;
}

type Spec = { caseIndex: number; source: ChaosSource; shape: SendShape; duplicate: boolean; bodyKey: number };

/**
 * `total` sends about the stored changes: each change once in a random shape, and `duplicates` more
 * copies of random changes (half exact redeliveries, half the same change in another shape), all in
 * a random order. With a `secondSourceShare`, that share of the first sends comes from the second
 * source; with `crossSourceCopies`, half of the copies in another shape come from the other source
 * than the original (an engine forwarding what the EPD also pushed). An exact redelivery comes from
 * the same sender.
 * Subscription notifications are numbered in sending order per source, as each sender numbers its
 * own; a redelivery keeps the number of the body it repeats.
 */
export function planSends(
  stored: readonly (Resource & { id: string })[],
  duplicates: number,
  random: () => number,
  secondSourceShare = 0,
  crossSourceCopies = false,
): PlannedSend[] {
  const [first, second] = CHAOS_SOURCES;
  const other = (source: ChaosSource): ChaosSource => (source === first ? second : first);
  const specs: Spec[] = stored.map((_, caseIndex) => ({
    caseIndex,
    source: secondSourceShare > 0 && random() < secondSourceShare ? second : first,
    shape: pick(random, SEND_SHAPES),
    duplicate: false,
    bodyKey: caseIndex,
  }));
  for (let d = 0; d < duplicates; d++) {
    const original = specs[Math.floor(random() * stored.length)]!;
    const redelivery = random() < 0.5;
    const crossSource = !redelivery && crossSourceCopies && secondSourceShare > 0 && random() < 0.5;
    specs.push({
      caseIndex: original.caseIndex,
      source: crossSource ? other(original.source) : original.source,
      shape: redelivery ? original.shape : pick(random, SEND_SHAPES),
      duplicate: true,
      bodyKey: redelivery ? original.bodyKey : stored.length + d,
    });
  }
  shuffle(specs, random);
  const bodies = new Map<number, unknown>();
  const eventNumbers = new Map<ChaosSource, number>();
  return specs.map((spec) => {
    let body = bodies.get(spec.bodyKey);
    if (body === undefined) {
      const isNotification = spec.shape === 'full-resource' || spec.shape === 'id-only';
      const number = (eventNumbers.get(spec.source) ?? 0) + 1;
      if (isNotification) eventNumbers.set(spec.source, number);
      body = bodyFor(stored[spec.caseIndex]!, spec.shape, isNotification ? number : spec.bodyKey);
      bodies.set(spec.bodyKey, body);
    }
    const { caseIndex, source, shape, duplicate } = spec;
    return { caseIndex, source, shape, duplicate, body };
  });
}

/** Copies of a change sent by the other source than its first send: what only a source-free event identity makes one. */
export function countCrossSourceCopies(sends: readonly PlannedSend[]): number {
  const firstSource = new Map(sends.filter((s) => !s.duplicate).map((s) => [s.caseIndex, s.source]));
  return sends.filter((s) => s.duplicate && s.source !== firstSource.get(s.caseIndex)).length;
}

/** The body of one send in its shape. */
export function bodyFor(resource: Resource & { id: string }, shape: SendShape, number: number): unknown {
  if (shape === 'resource') return resource;
  if (shape === 'bundle') {
    const type = BUNDLE_TYPES[number % BUNDLE_TYPES.length]!;
    const entry = { fullUrl: `urn:uuid:00000000-0000-4000-8000-${String(number).padStart(12, '0')}`, resource };
    const request = { method: 'PUT' as const, url: `${resource.resourceType}/${resource.id}` };
    return {
      resourceType: 'Bundle',
      type,
      entry: [type === 'collection' ? entry : { ...entry, request }],
    } satisfies Bundle;
  }
  // The demo's builder knows the subscription and message shapes; it reads only the step's shape.
  const step = { shape, title: '', keyMoment: '', resource, expected: () => [] } satisfies DemoStep;
  return notificationFor(step, resource, number);
}

function shuffle<T>(items: T[], random: () => number): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
}
