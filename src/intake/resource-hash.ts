import { createHash } from 'node:crypto';

// 16 hex digits = 64 bits: collisions between versions of one resource are negligible, keys stay short.
const HASH_HEX_LENGTH = 16;

/** JSON with object keys sorted at every level, so equal content always gives equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

/** `sha256:` and the first 16 hex digits of the SHA-256 of the canonical JSON of a value. */
export function contentHash(value: unknown): string {
  const hex = createHash('sha256').update(canonicalJson(value)).digest('hex');
  return `sha256:${hex.slice(0, HASH_HEX_LENGTH)}`;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== 'object' || value === null) return value;
  // fromEntries defines own properties, so a `__proto__` key in the input stays plain data.
  const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries.map(([key, child]) => [key, sortKeys(child)]));
}
