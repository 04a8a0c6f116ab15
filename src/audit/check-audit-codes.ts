import type { AuditEvent, Coding } from '@medplum/fhirtypes';
import { KEY_MOMENT_SYSTEM } from '../decision-aids/invitation-task-codes.js';
import { KEY_MOMENTS } from '../rules/types.js';
import { AppError } from '../shared/errors.js';
import { AUDIT_ACTIONS, AUDIT_CODES, AUDIT_OUTCOMES, NETWORK_TYPES } from './audit-codes.js';

/** Every coding this service may put in an AuditEvent, as `system|code`. */
const KNOWN_CODINGS = new Set<string>([
  ...Object.values(AUDIT_CODES).map((c) => `${c.system}|${c.code}`),
  ...KEY_MOMENTS.map((moment) => `${KEY_MOMENT_SYSTEM}|${moment}`),
]);
const OUTCOMES = new Set<string>(Object.values(AUDIT_OUTCOMES));

/**
 * Checks the code values `validateResource` does not: the required bindings (action, outcome,
 * network type) and every coding of type, subtype, agent type, entity type/role/lifecycle,
 * source type and purpose against the codes this service means to write. A failure is a bug here, never retried.
 */
export function assertAuditCodes(event: AuditEvent): AuditEvent {
  const problems: string[] = [];
  if (!AUDIT_ACTIONS.includes(event.action as (typeof AUDIT_ACTIONS)[number]))
    problems.push(`action "${event.action}" is not one of ${AUDIT_ACTIONS.join(', ')}`);
  if (!OUTCOMES.has(event.outcome ?? ''))
    problems.push(`outcome "${event.outcome}" is not one of ${[...OUTCOMES].join(', ')}`);
  event.agent.forEach((agent, i) => {
    const network = agent.network?.type;
    if (network !== undefined && !NETWORK_TYPES.includes(network as (typeof NETWORK_TYPES)[number]))
      problems.push(`agent[${i}].network.type "${network}" is not 1-5`);
  });
  const codings: [string, Coding | undefined][] = [
    ['type', event.type],
    ...(event.subtype ?? []).map((c, i): [string, Coding] => [`subtype[${i}]`, c]),
    ...event.agent.flatMap((a, i) => (a.type?.coding ?? []).map((c): [string, Coding] => [`agent[${i}].type`, c])),
    ...(event.entity ?? []).flatMap((e, i) =>
      [e.type, e.role, e.lifecycle].filter(Boolean).map((c): [string, Coding | undefined] => [`entity[${i}]`, c]),
    ),
    ...(event.source.type ?? []).map((c, i): [string, Coding] => [`source.type[${i}]`, c]),
    ...(event.purposeOfEvent ?? []).flatMap((p, i) =>
      (p.coding ?? []).map((c): [string, Coding] => [`purposeOfEvent[${i}]`, c]),
    ),
  ];
  for (const [where, coding] of codings) {
    if (!coding || !KNOWN_CODINGS.has(`${coding.system}|${coding.code}`))
      problems.push(`${where}: unexpected code ${coding?.system}|${coding?.code}`);
  }
  if (problems.length) {
    throw new AppError('refusing to write an AuditEvent with unknown codes', {
      status: 500,
      retry: false,
      code: 'invalid',
      problems: problems.map((message) => ({ code: 'invalid', message })),
    });
  }
  return event;
}
