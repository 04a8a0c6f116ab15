import { randomUUID } from 'node:crypto';
import type { Coding } from '@medplum/fhirtypes';

/**
 * One id per inbound request, carried through its events and jobs to the Tasks and AuditEvents they
 * lead to, and on every log line about them: `sdm-bridge trace <id>` follows it. As a `meta.tag`
 * because every FHIR server searches tags (`_tag=system|id`), and a tag changes no identifier the
 * conditional creates depend on.
 */
export const REQUEST_ID_SYSTEM = 'https://sdm-bridge.org/fhir/CodeSystem/request-id';

/** The header a sender may set (and the answer repeats), after the common convention. */
export const REQUEST_ID_HEADER = 'x-request-id';

/** What a request id taken from outside may look like: a tag code and a log field, nothing more. */
const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The request id of an inbound request: the sender's own (its X-Request-Id, else the id of its
 * notification Bundle) when it is a safe token, else a new one. A sender's id lets its log and
 * ours be read side by side.
 */
export function requestIdOf(...candidates: unknown[]): string {
  return candidates.find((id): id is string => typeof id === 'string' && SAFE_ID.test(id)) ?? randomUUID();
}

/** The tag that marks a written resource with the request it came from. */
export function requestIdTag(requestId: string): Coding {
  return { system: REQUEST_ID_SYSTEM, code: requestId };
}

/** The `_tag` search value that finds what one request led to. */
export function requestIdSearch(requestId: string): string {
  return `${REQUEST_ID_SYSTEM}|${requestId}`;
}
