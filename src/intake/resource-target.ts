import type { Problem } from '../shared/errors.js';
import { isJsonObject, objectField, stringField, type JsonObject } from './json-fields.js';
import { isFhirId, isResourceType, type ReferenceParts } from './reference-parts.js';

/**
 * Resource types that carry the notification itself rather than a change in the record: they are
 * never turned into events. (A `Basic` is only infrastructure as the status entry of a notification,
 * so it is not listed here.)
 */
export const INFRASTRUCTURE_TYPES: ReadonlySet<string> = new Set([
  'Bundle',
  'MessageHeader',
  'OperationOutcome',
  'Parameters',
  'SubscriptionStatus',
]);

/** A JSON object with a string `resourceType`: the least we need to call something a FHIR resource. */
export type ResourceJson = JsonObject & { resourceType: string };

/** True for an object with a string `resourceType`. */
export function isResourceJson(value: unknown): value is ResourceJson {
  return isJsonObject(value) && typeof value.resourceType === 'string';
}

/**
 * The `Type/id` (and `meta.versionId`) of a resource from the EPD. A missing or malformed id is a
 * problem: without it the events worker cannot read the resource back.
 */
export function resourceTarget(resource: ResourceJson, path: string, problems: Problem[]): ReferenceParts | undefined {
  const { resourceType, id } = resource;
  if (!isResourceType(resourceType)) {
    problems.push({
      code: 'value',
      message: 'resourceType is not a FHIR R4 resource type',
      expression: `${path}.resourceType`,
    });
  }
  if (!isFhirId(id)) {
    const message = id === undefined ? 'resource has no id' : 'resource id is not a valid FHIR id';
    problems.push({ code: id === undefined ? 'required' : 'value', message, expression: `${path}.id` });
  }
  const versionId = metaVersionId(resource, path, problems);
  if (!isResourceType(resourceType) || !isFhirId(id) || versionId === null) return undefined;
  return { resourceType, id, ...(versionId === undefined ? {} : { versionId }), reference: `${resourceType}/${id}` };
}

/** `meta.lastUpdated` of a resource, when present. */
export function lastUpdated(resource: JsonObject | undefined): string | undefined {
  return stringField(objectField(resource, 'meta'), 'lastUpdated');
}

/** Returns undefined when absent, null (with a problem) when present but invalid. */
function metaVersionId(resource: JsonObject, path: string, problems: Problem[]): string | undefined | null {
  const versionId = objectField(resource, 'meta')?.versionId;
  if (versionId === undefined) return undefined;
  if (isFhirId(versionId)) return versionId;
  problems.push({
    code: 'value',
    message: 'meta.versionId is not a valid FHIR id',
    expression: `${path}.meta.versionId`,
  });
  return null;
}
