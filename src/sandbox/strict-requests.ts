import type { MemoryRepository } from '@medplum/fhir-router';
import type { Resource } from '@medplum/fhirtypes';
import type { RestHook } from './rest-hook.js';

/**
 * The base a strict sandbox builds its paging links on: the same path on a host this machine
 * cannot reach (`.invalid` never resolves), as a server behind a proxy or known by an internal
 * name does. A client that follows such a link as it is fails; one that re-bases it onto its own
 * EPD_BASE_URL goes on.
 */
export const STRICT_LINK_BASE = 'http://fhir-internal.invalid:8103/fhir';

/** `/Type/id` below the base, without query or further parts. */
const INSTANCE_PATH = /^\/([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/;

/**
 * True for a PUT that would create a resource under an id the client chose. Real servers assign
 * ids themselves (a Medplum server answers 400 `Invalid id`); an update of an existing resource and
 * a conditional update (`PUT Type?identifier=…`) go on.
 */
export async function refusesCreateByPut(method: string, path: string, repo: MemoryRepository): Promise<boolean> {
  const instance = method === 'PUT' ? INSTANCE_PATH.exec(path) : null;
  if (!instance) return false;
  try {
    await repo.readResource(instance[1]!, instance[2]!);
    return false;
  } catch {
    return true;
  }
}

/**
 * Tells the rest hook about a write the API answered with 2xx: a create (201), an update or patch
 * (PUT/PATCH, 200 or 201), a delete. A conditional create that found a match (POST, 200) wrote
 * nothing and is not told, nor is a transaction (its entries' subscriptions are out of scope here).
 */
export function notifyWrite(hook: RestHook, method: string, path: string, status: number, resource?: Resource): void {
  if (method === 'DELETE') {
    const instance = INSTANCE_PATH.exec(path);
    if (instance) hook.deleted(instance[1]!, instance[2]!);
    return;
  }
  if (!resource || resource.resourceType === 'Bundle') return;
  const wrote = method === 'POST' ? status === 201 : method === 'PUT' || method === 'PATCH';
  if (wrote) hook.written(resource);
}
