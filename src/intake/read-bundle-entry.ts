import type { Problem } from '../shared/errors.js';
import { isKnownMethod, isReadMethod } from './build-event.js';
import { isJsonObject, objectField, stringField, type JsonObject } from './json-fields.js';
import { quoted } from './json-limits.js';
import { parseReference, sameResource, type ReferenceParts } from './reference-parts.js';
import {
  INFRASTRUCTURE_TYPES,
  isResourceJson,
  lastUpdated,
  resourceTarget,
  type ResourceJson,
} from './resource-target.js';

/** One Bundle entry that names a change in the record. */
export interface BundleEntryItem {
  /** The changed resource; `versionId` from its meta or from a `/_history/N` reference of the entry. */
  target: ReferenceParts;
  /** The resource as sent (absent for id-only and delete entries, a patch document for PATCH). */
  content?: ResourceJson;
  method?: string;
  /** `meta.lastUpdated` of the changed resource, when the entry carries it. */
  lastUpdated?: string;
  fullUrl?: string;
}

/**
 * Reads one entry of a notification, transaction, batch or collection Bundle. Returns undefined for
 * entries that are no change (reads, infrastructure resources) and for broken ones (with a problem).
 */
export function readBundleEntry(entry: unknown, path: string, problems: Problem[]): BundleEntryItem | undefined {
  if (!isJsonObject(entry)) {
    problems.push({ code: 'structure', message: 'bundle entry is not an object', expression: path });
    return undefined;
  }
  const method = stringField(objectField(entry, 'request'), 'method');
  if (method !== undefined && !isKnownMethod(method)) {
    problems.push({
      code: 'value',
      message: `unknown request method ${quoted(method)}`,
      expression: `${path}.request.method`,
    });
    return undefined;
  }
  if (isReadMethod(method)) return undefined;
  const resource = entry.resource;
  if (resource !== undefined && !isResourceJson(resource)) {
    const expression = `${path}.resource.resourceType`;
    problems.push({ code: 'structure', message: 'entry resource has no resourceType', expression });
    return undefined;
  }
  // A PATCH carries a patch document and a DELETE nothing: the changed resource is named by the URL.
  if (resource === undefined || method === 'PATCH' || method === 'DELETE') {
    return entryByReference(entry, resource, method, path, problems);
  }
  if (INFRASTRUCTURE_TYPES.has(resource.resourceType)) return undefined;
  const target = resourceTarget(resource, `${path}.resource`, problems);
  if (!target) return undefined;
  const updated = lastUpdated(resource);
  return entryItem(entry, { target: withEntryVersion(target, entry), content: resource, method, lastUpdated: updated });
}

function entryByReference(
  entry: JsonObject,
  content: ResourceJson | undefined,
  method: string | undefined,
  path: string,
  problems: Problem[],
): BundleEntryItem | undefined {
  const byUrl = method === 'PATCH' || method === 'DELETE';
  const fullUrl = stringField(entry, 'fullUrl');
  const requestUrl = stringField(objectField(entry, 'request'), 'url');
  const candidates = byUrl ? [requestUrl, fullUrl] : [fullUrl, requestUrl];
  const target = candidates.map((c) => (c === undefined ? undefined : parseReference(c))).find((p) => p !== undefined);
  if (!target) {
    const expression = byUrl ? `${path}.request.url` : `${path}.fullUrl`;
    problems.push({ code: 'value', message: 'entry names no resource as a Type/id reference', expression });
    return undefined;
  }
  return entryItem(entry, { target: withEntryVersion(target, entry), content, method });
}

// A version in the fullUrl, request.url or response.location (`Type/id/_history/N`) of the same resource.
function withEntryVersion(target: ReferenceParts, entry: JsonObject): ReferenceParts {
  if (target.versionId !== undefined) return target;
  const urls = [
    stringField(entry, 'fullUrl'),
    stringField(objectField(entry, 'request'), 'url'),
    stringField(objectField(entry, 'response'), 'location'),
  ];
  for (const url of urls) {
    const parts = url === undefined ? undefined : parseReference(url);
    if (parts?.versionId !== undefined && sameResource(parts, target)) return { ...target, versionId: parts.versionId };
  }
  return target;
}

// Leaves out fields that are undefined, so items compare and print cleanly.
function entryItem(entry: JsonObject, item: BundleEntryItem): BundleEntryItem {
  const withFullUrl: BundleEntryItem = { ...item, fullUrl: stringField(entry, 'fullUrl') };
  return Object.fromEntries(
    Object.entries(withFullUrl).filter(([, v]) => v !== undefined),
  ) as unknown as BundleEntryItem;
}
