import { AppError } from '../shared/errors.js';

/** The placeholders a body template may use; anything else in `{{…}}` is a mistake in the mapping file. */
export const TEMPLATE_PLACEHOLDERS = [
  'invitationId',
  'keyMoment',
  'decisionAidId',
  'recipientRole',
  'subjectPseudonym',
  'expiresAt',
  'callbackUrl',
] as const;

export type TemplatePlaceholder = (typeof TEMPLATE_PLACEHOLDERS)[number];

/** The values for one invitation; an optional value that is absent renders as described at `renderTemplate`. */
export type TemplateValues = Partial<Record<TemplatePlaceholder, string>>;

/** `{{ name }}` with optional spaces; the name is checked against the list, not by the pattern. */
const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;

/** The same pattern anchored: a string that is nothing but one placeholder. */
const WHOLE_PLACEHOLDER = /^\{\{\s*([^{}]*?)\s*\}\}$/;

/** The unknown placeholder names in a template (empty when it is fine), for checking mapping files at load. */
export function unknownPlaceholders(template: unknown): string[] {
  const unknown = new Set<string>();
  visitStrings(template, (text) => {
    for (const match of text.matchAll(PLACEHOLDER)) {
      const name = match[1] ?? '';
      if (!isPlaceholder(name)) unknown.add(name);
    }
  });
  return [...unknown];
}

/**
 * Replaces the placeholders in every string value of a JSON template (object keys stay as they are)
 * and returns a new value; the template is not changed. A string that is exactly one placeholder
 * whose value is absent becomes `null`, so the platform sees "no value" rather than an empty string;
 * inside longer text an absent value becomes ''. An unknown placeholder throws a permanent AppError.
 */
export function renderTemplate(template: unknown, values: TemplateValues): unknown {
  const unknown = unknownPlaceholders(template);
  if (unknown.length) {
    throw new AppError(`body template uses unknown placeholder(s): ${unknown.map((n) => `{{${n}}}`).join(', ')}`, {
      status: 500,
      retry: false,
      code: 'invalid',
    });
  }
  return mapStrings(template, (text) => renderString(text, values));
}

function renderString(text: string, values: TemplateValues): string | null {
  const whole = WHOLE_PLACEHOLDER.exec(text);
  if (whole) return values[whole[1] as TemplatePlaceholder] ?? null;
  return text.replace(PLACEHOLDER, (_all, name: string) => values[name as TemplatePlaceholder] ?? '');
}

function isPlaceholder(name: string): name is TemplatePlaceholder {
  return (TEMPLATE_PLACEHOLDERS as readonly string[]).includes(name);
}

function mapStrings(value: unknown, fn: (text: string) => unknown): unknown {
  if (typeof value === 'string') return fn(value);
  if (Array.isArray(value)) return value.map((item) => mapStrings(item, fn));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, mapStrings(item, fn)]));
  }
  return value;
}

function visitStrings(value: unknown, fn: (text: string) => void): void {
  mapStrings(value, (text) => {
    fn(text);
    return text;
  });
}
