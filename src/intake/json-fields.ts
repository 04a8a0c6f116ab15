/** A parsed JSON object whose fields have not been checked yet. */
export type JsonObject = Record<string, unknown>;

/** True for a plain JSON object (not null, not an array). */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The field as a string, or undefined when it is missing or of another type. */
export function stringField(obj: JsonObject | undefined, key: string): string | undefined {
  const value = obj?.[key];
  return typeof value === 'string' ? value : undefined;
}

/** The field as an object, or undefined when it is missing or of another type. */
export function objectField(obj: JsonObject | undefined, key: string): JsonObject | undefined {
  const value = obj?.[key];
  return isJsonObject(value) ? value : undefined;
}

/** The field as an array, or undefined when it is missing or of another type. */
export function arrayField(obj: JsonObject | undefined, key: string): unknown[] | undefined {
  const value = obj?.[key];
  return Array.isArray(value) ? value : undefined;
}

/**
 * The `value[x]` of a FHIR element (Parameters.parameter, Extension): the first field whose name
 * starts with `value`, with its name, so callers can tell `valueReference` from `valueString`.
 */
export function choiceValue(obj: JsonObject): { type: string; value: unknown } | undefined {
  for (const [key, value] of Object.entries(obj)) {
    if (key.startsWith('value') && key.length > 'value'.length) return { type: key.slice('value'.length), value };
  }
  return undefined;
}
