/**
 * The value at a dot path in parsed JSON (`answers.q1`, `items.0.value`: array items by index),
 * or undefined when any step is missing. Only own properties are followed, so a path such as
 * `constructor.name` finds nothing.
 */
export function readDotPath(value: unknown, path: string): unknown {
  let current: unknown = value;
  for (const step of path.split('.')) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, step)) return undefined;
    current = (current as Record<string, unknown>)[step];
  }
  return current;
}
