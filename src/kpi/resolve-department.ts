import type { Encounter, Organization, Patient, Reference, Resource, Task } from '@medplum/fhirtypes';
import type { EpdClient } from '../epd/epd-client.js';
import { EpdError } from '../epd/epd-error.js';
import { UNKNOWN_DEPARTMENT } from './kpi-codes.js';
import type { Dimension } from './kpi-record.js';

/** Finds the department of an invitation Task; one per KPI run, so every resource is read at most once. */
export type DepartmentResolver = (task: Task) => Promise<Dimension>;

/**
 * The department where the care happened, as the rules decide it (check-trigger.ts): the
 * serviceProvider of the encounter (the Task's focus, or the encounter its focus names), else the
 * patient's managingOrganization; labelled with the Organization's name. Reads are cached per run
 * (many Tasks share a focus, a patient and a department). A resource that is gone (404, 410)
 * counts as absent; any other EPD failure fails the run, because a figure with silently missing
 * departments would look true and be wrong.
 */
export function createDepartmentResolver(epd: EpdClient): DepartmentResolver {
  const cache = new Map<string, Promise<Resource | undefined>>();
  const read = <T extends Resource>(reference: string | undefined): Promise<T | undefined> => {
    if (!reference || !/^[A-Z][A-Za-z]+\/[^/]+/.test(reference)) return Promise.resolve(undefined);
    const key = withoutVersion(reference);
    if (!cache.has(key)) cache.set(key, epd.read<Resource>(key).catch(absentWhenGone));
    return cache.get(key) as Promise<T | undefined>;
  };
  return async (task) => {
    const focus = await read<Resource & { encounter?: Reference }>(task.focus?.reference);
    const encounter =
      focus?.resourceType === 'Encounter' ? (focus as Encounter) : await read<Encounter>(focus?.encounter?.reference);
    const organization = encounter?.serviceProvider ?? (await read<Patient>(task.for?.reference))?.managingOrganization;
    if (!organization?.reference)
      return organization?.display
        ? { key: organization.display, label: organization.display }
        : { ...UNKNOWN_DEPARTMENT };
    const named = await read<Organization>(organization.reference);
    return {
      key: withoutVersion(organization.reference),
      label: named?.name ?? organization.display ?? organization.reference,
    };
  };
}

function absentWhenGone(err: unknown): undefined {
  if (err instanceof EpdError && (err.status === 404 || err.status === 410)) return undefined;
  throw err;
}

function withoutVersion(reference: string): string {
  return reference.split('/_history/')[0] ?? reference;
}
