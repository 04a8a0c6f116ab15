import type { AidAuth, DecisionAid, DeliveryConfig } from '../rules/types.js';
import { DecisionAidError, parseRetryAfter, platformStatusError } from './decision-aid-error.js';
import type {
  CreatedInvitation,
  InvitationAdapter,
  InvitationAdapterDeps,
  InvitationRequest,
} from './invitation-adapter.js';
import { renderTemplate } from './render-template.js';

type HttpApiDelivery = Extract<DeliveryConfig, { type: 'http-api' }>;

/**
 * The adapter for a platform with a JSON API: POSTs the rendered body template and reads the link
 * from the answer. The invitation id goes along as `Idempotency-Key`, so when a job is retried after
 * the platform did create the invitation (say the answer was lost to a timeout), the platform hands
 * back the same invitation instead of making a second one.
 */
export function createHttpApiAdapter(
  aid: DecisionAid,
  delivery: HttpApiDelivery,
  deps: InvitationAdapterDeps = {},
): InvitationAdapter {
  const doFetch = deps.fetch ?? globalThis.fetch;
  const now = deps.now ?? (() => new Date());
  return {
    async createInvitation(request: InvitationRequest): Promise<CreatedInvitation> {
      const body = renderTemplate(delivery.bodyTemplate, {
        invitationId: request.invitationId,
        keyMoment: request.keyMoment,
        decisionAidId: aid.id,
        recipientRole: request.recipientRole,
        subjectPseudonym: request.subjectPseudonym,
        expiresAt: request.expiresAt,
        callbackUrl: request.callbackUrl,
      });
      // One timer for the whole exchange, the answer's body included, cleared when it is over:
      // AbortSignal.timeout would keep its signal, and through it the request, alive for the full timeout.
      const controller = new AbortController();
      const timer = setTimeout(
        () => controller.abort(new DOMException('decision aid timed out', 'TimeoutError')),
        delivery.timeoutMs,
      );
      try {
        const response = await post(doFetch, aid.id, delivery, request.invitationId, body, controller.signal);
        if (!response.ok) {
          const text = await response.text().catch(() => '');
          throw platformStatusError(
            aid.id,
            response.status,
            text,
            parseRetryAfter(response.headers.get('retry-after'), now()),
          );
        }
        const answer = await readJson(response, aid.id, delivery.timeoutMs);
        return toInvitation(answer, delivery.linkField, aid.id, request.expiresAt);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

async function post(
  doFetch: typeof fetch,
  aidId: string,
  delivery: HttpApiDelivery,
  invitationId: string,
  body: unknown,
  signal: AbortSignal,
): Promise<Response> {
  try {
    return await doFetch(delivery.url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Accept: 'application/json',
        'Idempotency-Key': invitationId,
        ...authHeaders(delivery.auth),
      },
      body: JSON.stringify(body),
      signal,
      // Why manual: a redirected POST turns into a GET elsewhere; a moved API is a configuration
      // problem to report, not something to follow silently.
      redirect: 'manual',
    });
  } catch (err) {
    throw networkError(aidId, delivery.timeoutMs, err);
  }
}

/** The request headers for the configured credential. */
export function authHeaders(auth: AidAuth): Record<string, string> {
  switch (auth.type) {
    case 'bearer':
      return { Authorization: `Bearer ${auth.token}` };
    case 'header':
      return { [auth.name]: auth.value };
    default:
      return {};
  }
}

function networkError(aidId: string, timeoutMs: number, err: unknown): DecisionAidError {
  const name = (err as { name?: string } | null)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') {
    return new DecisionAidError(`decision aid ${aidId}: no answer within ${timeoutMs} ms`, {
      status: 504,
      retry: true,
      code: 'timeout',
      cause: err,
    });
  }
  // The cause's message names the host and the socket error; it never holds the request body.
  const reason =
    (err as { cause?: { code?: string } } | null)?.cause?.code ?? (err as Error | null)?.message ?? 'unknown';
  return new DecisionAidError(`decision aid ${aidId}: platform unreachable (${reason})`, {
    status: 502,
    retry: true,
    code: 'transient',
    cause: err,
  });
}

async function readJson(response: Response, aidId: string, timeoutMs: number): Promise<unknown> {
  let text: string;
  try {
    text = await response.text();
  } catch (err) {
    throw networkError(aidId, timeoutMs, err); // cut off mid-answer: another attempt may get all of it
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    // The platform did accept the request; retrying with the same key gets the same unreadable answer.
    throw invalidAnswer(aidId, 'answer is not JSON', err);
  }
}

/**
 * Takes the link at `linkField` (a dot path; array items by index, e.g. `links.0.href`), and the
 * platform's id of the invitation from the `id` next to the link, when there is one.
 */
export function toInvitation(answer: unknown, linkField: string, aidId: string, expiresAt?: string): CreatedInvitation {
  const path = linkField.split('.');
  const link = valueAt(answer, path);
  // The link itself stays out of the message: it grants access to the invitation.
  if (typeof link !== 'string') throw invalidAnswer(aidId, `answer has no link at '${linkField}'`);
  if (!isHttpUrl(link)) throw invalidAnswer(aidId, `value at '${linkField}' is not an http(s) URL`);
  const id = valueAt(answer, [...path.slice(0, -1), 'id']);
  return {
    link,
    ...(expiresAt ? { expiresAt } : {}),
    ...(typeof id === 'string' || typeof id === 'number' ? { externalId: String(id) } : {}),
  };
}

function valueAt(value: unknown, path: string[]): unknown {
  let current = value;
  for (const key of path) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

function isHttpUrl(text: string): boolean {
  if (!URL.canParse(text)) return false;
  const { protocol } = new URL(text);
  return protocol === 'https:' || protocol === 'http:';
}

function invalidAnswer(aidId: string, what: string, cause?: unknown): DecisionAidError {
  return new DecisionAidError(`decision aid ${aidId}: ${what}`, {
    status: 502,
    retry: false,
    code: 'processing',
    cause,
    linkMissing: true,
  });
}
