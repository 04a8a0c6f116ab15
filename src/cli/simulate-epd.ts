import type { Bundle, Resource } from '@medplum/fhirtypes';
import type { EpdClient, SearchParams } from '../epd/epd-client.js';
import { readOneByOne } from '../epd/batch-answer.js';
import { EpdError } from '../epd/epd-error.js';
import { patientReferenceOf } from '../rules/patient-reference-of.js';

/** `Type/id`, without a version or a base URL. */
const REFERENCE = /([A-Z][A-Za-z]+)\/([A-Za-z0-9.-]{1,64})(?:\/_history\/[^/]+)?$/;

/**
 * An `EpdClient` over resources read from files, for dry runs: reads find a resource by type and
 * id (any version), searches return the resources of the type that belong to the `patient` given
 * (other parameters are not applied), and every write is refused, so a dry run cannot write.
 */
export function createFileEpd(resources: readonly Resource[]): EpdClient {
  const byReference = new Map<string, Resource>();
  for (const resource of resources)
    if (resource.id) byReference.set(`${resource.resourceType}/${resource.id}`, resource);
  const epd: EpdClient = {
    async read<T extends Resource>(reference: string): Promise<T> {
      const match = REFERENCE.exec(reference);
      const found = match ? byReference.get(`${match[1]}/${match[2]}`) : undefined;
      if (!found) {
        const message = `${match ? `${match[1]}/${match[2]}` : reference} is not in the given files (add it with --facts, or read the EPD with --epd)`;
        throw new EpdError(message, { status: 404, retry: false, code: 'not-found' });
      }
      return found as T;
    },
    async search<T extends Resource>(resourceType: T['resourceType'], params: SearchParams): Promise<T[]> {
      const patient = typeof params.patient === 'string' ? params.patient : undefined;
      return [...byReference.values()].filter(
        (r) => r.resourceType === resourceType && (patient === undefined || patientReferenceOf(r) === patient),
      ) as T[];
    },
    readBatch: (urls) => readOneByOne(epd, urls),
    createIfNoneExist: refuseWrite,
    update: refuseWrite,
    transaction: refuseWrite,
  };
  return epd;
}

/** The EPD for a dry run with `--epd`: reads and searches go to the EPD, writes are refused. */
export function readOnly(epd: EpdClient): EpdClient {
  return {
    read: (reference) => epd.read(reference),
    search: (resourceType, params) => epd.search(resourceType, params),
    readBatch: (urls) => epd.readBatch(urls),
    createIfNoneExist: refuseWrite,
    update: refuseWrite,
    transaction: refuseWrite,
  };
}

async function refuseWrite(): Promise<never> {
  throw new EpdError('a dry run writes nothing to the EPD', { status: 500, retry: false, code: 'not-supported' });
}

/** Every resource a file holds: the resource itself, or the entries of a Bundle (nested Bundles too). */
export function resourcesIn(json: unknown): Resource[] {
  if (!json || typeof json !== 'object' || typeof (json as Resource).resourceType !== 'string') return [];
  const resource = json as Resource;
  if (resource.resourceType !== 'Bundle') return [resource];
  return ((resource as Bundle).entry ?? []).flatMap((entry) => resourcesIn(entry.resource));
}
