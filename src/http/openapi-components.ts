/** Shared parts of the OpenAPI document: extensions, security schemes, schemas and the error answers. */

/** Which listener serves a path: the API port (PORT) or the operations port (METRICS_PORT). */
export type Listener = 'api' | 'metrics';

/** The extension on each path item that says where it is served; the route test reads it. */
export const SERVED_ON = 'x-served-on';
/** The extension on a path item that is a mounted application with routes of its own below it. */
export const MOUNT = 'x-mount';
/** The extension on a path item served only in some configurations: says which. */
export const MOUNTED_WHEN = 'x-mounted-when';

/** The admin token, as a bearer token or as the password of Basic auth (browsers). */
export const ADMIN_AUTH = [{ adminBearer: [] }, { adminBasic: [] }];

/** A reference to a component, as OpenAPI writes it. */
export const ref = (kind: 'schemas' | 'responses', name: string) => ({ $ref: `#/components/${kind}/${name}` });

/** The FHIR media type every error (and the intake answers) use. */
const FHIR_JSON = 'application/fhir+json';

/** The error answers, by status; each route picks the ones it can give. */
export const ERROR_RESPONSES = {
  '400': 'The body is not JSON, or not a FHIR resource.',
  '401': 'Missing or wrong credentials.',
  '404': 'Not found.',
  '409': 'This signed request was already received (a replay); nothing was done.',
  '413': 'The body is larger than MAX_BODY_BYTES.',
  '415': 'Content type is not application/fhir+json or application/json.',
  '422': 'FHIR, but not usable: every problem is an issue with an expression naming the field.',
  '500': 'A fault in the service; the OperationOutcome id is the errorId in the log.',
  '503': 'A dependency (Redis, the EPD) is unavailable; retry after the Retry-After seconds.',
} as const;

/** Status codes as written in ERROR_RESPONSES. */
export type ErrorStatus = keyof typeof ERROR_RESPONSES;

/** `{ '401': {$ref}, ... }` for the given statuses. */
export function errors(...statuses: ErrorStatus[]): Record<string, unknown> {
  return Object.fromEntries(statuses.map((status) => [status, ref('responses', `Error${status}`)]));
}

/** The `components` section. */
export function openApiComponents(): Record<string, unknown> {
  return {
    securitySchemes: {
      intakeBearer: {
        type: 'http',
        scheme: 'bearer',
        description: 'The token of one intake source: INTAKE_<ID>_TOKEN. The source id is taken from the token.',
      },
      intakeSignature: {
        type: 'apiKey',
        in: 'header',
        name: 'X-Sdm-Signature',
        description:
          '`v1=<hex HMAC-SHA256 of "<timestamp>.<raw body>">` with the source secret INTAKE_<ID>_HMAC_SECRET, and ' +
          '`X-Sdm-Timestamp: <Unix seconds>` within SIGNATURE_MAX_AGE_SECONDS of now. A signed request seen before is refused.',
      },
      resultsBearer: {
        type: 'http',
        scheme: 'bearer',
        description: "The decision aid's own token: `results.auth.tokenEnv` of its mapping file.",
      },
      resultsSignature: {
        type: 'apiKey',
        in: 'header',
        name: 'X-Sdm-Signature',
        description:
          "As intakeSignature, with the decision aid's own secret: `results.auth.secretEnv` of its mapping file.",
      },
      adminBearer: { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN.' },
      adminBasic: {
        type: 'http',
        scheme: 'basic',
        description: 'Any user name, ADMIN_TOKEN as password (for browsers).',
      },
    },
    schemas: {
      OperationOutcome: {
        type: 'object',
        description: 'FHIR R4 OperationOutcome. On errors, `id` is the errorId of the matching log line.',
        required: ['resourceType', 'issue'],
        properties: {
          resourceType: { type: 'string', enum: ['OperationOutcome'] },
          id: { type: 'string' },
          issue: {
            type: 'array',
            items: {
              type: 'object',
              required: ['severity', 'code'],
              properties: {
                severity: { type: 'string', enum: ['fatal', 'error', 'warning', 'information'] },
                code: { type: 'string', description: 'FHIR issue type, e.g. invalid, login, transient.' },
                details: { type: 'object', properties: { text: { type: 'string' } } },
                expression: { type: 'array', items: { type: 'string' }, description: 'The field the issue is about.' },
              },
            },
          },
        },
      },
      ReadinessCheck: {
        type: 'object',
        required: ['name', 'ok', 'detail'],
        properties: {
          name: { type: 'string', enum: ['redis', 'epd', 'mappings'] },
          ok: { type: 'boolean' },
          detail: { type: 'string' },
        },
      },
      FhirResource: {
        type: 'object',
        required: ['resourceType'],
        properties: { resourceType: { type: 'string' } },
        additionalProperties: true,
      },
    },
    responses: Object.fromEntries(
      Object.entries(ERROR_RESPONSES).map(([status, description]) => [
        `Error${status}`,
        {
          description,
          ...(status === '503'
            ? { headers: { 'Retry-After': { schema: { type: 'integer' }, description: 'Seconds.' } } }
            : {}),
          content: { [FHIR_JSON]: { schema: ref('schemas', 'OperationOutcome') } },
        },
      ]),
    ),
  };
}

/** A 2xx answer carrying an informational OperationOutcome. */
export function outcomeAnswer(description: string): Record<string, unknown> {
  return { description, content: { [FHIR_JSON]: { schema: ref('schemas', 'OperationOutcome') } } };
}
