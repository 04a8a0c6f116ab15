import type { Resource } from '@medplum/fhirtypes';
import { setTimeout as sleep } from 'node:timers/promises';

/** Where a strict sandbox posts its rest-hook notifications, as a Subscription's channel names it. */
export interface RestHookOptions {
  url: string;
  /** Sent with every notification (`Authorization: Bearer …`, say). */
  headers?: Record<string, string>;
  /** Resource types notified (default: all). */
  types?: readonly string[];
  /** Waits before the second, third, … attempt (default: `MEDPLUM_RETRY_WAITS_MS`). */
  retryWaitsMs?: readonly number[];
}

/** What the hook sent: every notification ends delivered (2xx) or given up. */
export interface RestHookCounts {
  delivered: number;
  /** Notifications still refused after the last attempt: lost for a service that only listens. */
  givenUp: number;
  /** Attempts answered with something else than 2xx, or not answered. */
  failedAttempts: number;
}

/** The header a Medplum server names a deleted resource in (the body is `{}`). */
export const DELETED_RESOURCE_HEADER = 'X-Medplum-Deleted-Resource';
/** Four attempts in about seven seconds, as a Medplum server's subscription worker makes them. */
export const MEDPLUM_RETRY_WAITS_MS = [1_000, 2_000, 4_000] as const;

/** A rest-hook sender, fire-and-forget like a server's subscription queue. */
export interface RestHook {
  /** Posts the resource itself (a create or an update). */
  written(resource: Resource): void;
  /** Posts `{}` with `X-Medplum-Deleted-Resource: Type/id`. */
  deleted(resourceType: string, id: string): void;
  counts: RestHookCounts;
  /** Resolves once nothing is on its way. */
  idle(): Promise<void>;
}

/**
 * Rest-hook notifications as a Medplum server sends them: the resource as the body for a write,
 * an empty object and a header naming the resource for a delete, a few attempts and then nothing.
 */
export function createRestHook(options: RestHookOptions): RestHook {
  const counts: RestHookCounts = { delivered: 0, givenUp: 0, failedAttempts: 0 };
  const pending = new Set<Promise<void>>();
  const waits = options.retryWaitsMs ?? MEDPLUM_RETRY_WAITS_MS;
  const notifies = (type: string) => !options.types || options.types.includes(type);
  const send = (body: unknown, headers: Record<string, string>) => {
    const sending = deliver(options, waits, JSON.stringify(body), headers, counts).finally(() =>
      pending.delete(sending),
    );
    pending.add(sending);
  };
  return {
    written(resource) {
      if (notifies(resource.resourceType)) send(resource, {});
    },
    deleted(resourceType, id) {
      if (notifies(resourceType)) send({}, { [DELETED_RESOURCE_HEADER]: `${resourceType}/${id}` });
    },
    counts,
    async idle() {
      while (pending.size) await Promise.all(pending);
    },
  };
}

async function deliver(
  options: RestHookOptions,
  waits: readonly number[],
  body: string,
  extra: Record<string, string>,
  counts: RestHookCounts,
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      const res = await fetch(options.url, {
        method: 'POST',
        headers: { 'content-type': 'application/fhir+json', ...options.headers, ...extra },
        body,
      });
      await res.arrayBuffer();
      if (res.ok) {
        counts.delivered++;
        return;
      }
    } catch {
      // not answered: counted below like a refusal, and tried again
    }
    counts.failedAttempts++;
    const wait = waits[attempt];
    if (wait === undefined) {
      counts.givenUp++;
      return;
    }
    await sleep(wait);
  }
}
