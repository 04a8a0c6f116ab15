import { AppError, badInput, type Problem } from '../shared/errors.js';
import { buildEvent, contentKey, occurredAtOf, type IntakeContext } from './build-event.js';
import { arrayField, isJsonObject, stringField } from './json-fields.js';
import { capProblems, checkEventCount, checkJsonLimits, quoted } from './json-limits.js';
import { parseMessageBundle } from './parse-message-bundle.js';
import { parseResourceBundle } from './parse-resource-bundle.js';
import { parseSubscriptionNotification } from './parse-subscription-notification.js';
import type { ParsedNotification } from './parsed-notification.js';
import { INFRASTRUCTURE_TYPES, lastUpdated, resourceTarget, type ResourceJson } from './resource-target.js';

export type { ParsedNotification } from './parsed-notification.js';

// Bundle types and the parser for each. `subscription-notification` is the R5 name of what the
// Backport IG sends as `history`; accepting it costs nothing and spares a later migration.
const BUNDLE_PARSERS: Readonly<Record<string, (bundle: ResourceJson, ctx: IntakeContext) => ParsedNotification>> = {
  history: parseSubscriptionNotification,
  'subscription-notification': parseSubscriptionNotification,
  message: parseMessageBundle,
  transaction: parseResourceBundle,
  batch: parseResourceBundle,
  collection: parseResourceBundle,
};

/**
 * Normalises one inbound body (already-parsed JSON) into events: a subscription notification, a
 * FHIR message, a transaction/batch/collection Bundle, or a single resource. Throws a 400 when the
 * body is not FHIR at all (or nested too deep), a 413 for a Bundle of too many entries, and a 422
 * listing the problems (at most 100) when it is FHIR but not usable.
 */
export function parseNotification(body: unknown, ctx: IntakeContext): ParsedNotification {
  checkJsonLimits(body);
  let parsed: ParsedNotification;
  try {
    parsed = parseShape(body, ctx);
  } catch (err) {
    throw err instanceof AppError ? capProblems(err) : err;
  }
  if (parsed.kind === 'events') checkEventCount(parsed.events.length);
  return parsed;
}

function parseShape(body: unknown, ctx: IntakeContext): ParsedNotification {
  if (!isJsonObject(body) || typeof body.resourceType !== 'string') {
    const message = 'body is not a FHIR resource (no resourceType)';
    throw badInput(400, 'body is not a FHIR resource', [{ code: 'structure', message, expression: 'resourceType' }]);
  }
  const resource = body as ResourceJson;
  if (resource.resourceType !== 'Bundle') return parseSingleResource(resource, ctx);
  const type = stringField(resource, 'type');
  // Own keys only: a `type` of "constructor" or "__proto__" must not find Object.prototype's members.
  const parser = type !== undefined && Object.hasOwn(BUNDLE_PARSERS, type) ? BUNDLE_PARSERS[type] : undefined;
  const problems: Problem[] = [];
  if (!parser) {
    const message = type === undefined ? 'Bundle has no type' : `Bundle type ${quoted(type)} is not a notification`;
    problems.push({ code: type === undefined ? 'required' : 'not-supported', message, expression: 'Bundle.type' });
  }
  if (!arrayField(resource, 'entry')?.length) {
    problems.push({ code: 'required', message: 'Bundle has no entries', expression: 'Bundle.entry' });
  }
  if (problems.length > 0 || !parser) throw badInput(422, 'not a usable notification Bundle', problems);
  return parser(resource, ctx);
}

/** A resource posted on its own (classic rest-hook with payload, or an integration engine). */
function parseSingleResource(resource: ResourceJson, ctx: IntakeContext): ParsedNotification {
  const path = resource.resourceType;
  const problems: Problem[] = [];
  if (INFRASTRUCTURE_TYPES.has(resource.resourceType)) {
    const message = `a ${resource.resourceType} alone is not a notification`;
    problems.push({ code: 'not-supported', message, expression: `${path}.resourceType` });
  }
  const target = resourceTarget(resource, path, problems);
  if (problems.length > 0 || !target) throw badInput(422, 'not a usable notification', problems);
  const occurredAt = occurredAtOf([lastUpdated(resource)], ctx);
  const unversionedKey = contentKey(ctx, target.reference, resource, { occurredAt });
  const event = buildEvent({ shape: 'resource', target, occurredAt, unversionedKey }, ctx);
  return { kind: 'events', events: [event], eventNumbers: [] };
}
