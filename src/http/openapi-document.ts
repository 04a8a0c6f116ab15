import {
  ADMIN_AUTH,
  errors,
  MOUNT,
  MOUNTED_WHEN,
  openApiComponents,
  outcomeAnswer,
  ref,
  SERVED_ON,
} from './openapi-components.js';

export { MOUNT, MOUNTED_WHEN, SERVED_ON, type Listener } from './openapi-components.js';

/** Version of this HTTP API (not of the package): raised when a route changes incompatibly. */
const API_VERSION = '1.0.0';

const public_ = [] as const; // explicit "no auth", so a reader knows it was decided, not forgotten
const intakeAuth = [{ intakeBearer: [] }, { intakeSignature: [] }];
const JSON_TYPE = 'application/json';

/**
 * The OpenAPI 3.1 description of every route the service serves, its auth and its errors.
 * `openapi-routes.int.test.ts` compares it with the routes the express apps really serve, so a
 * route added without a line here fails the build.
 */
export function openApiDocument(): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'sdm-bridge',
      version: API_VERSION,
      description:
        'EPD FHIR events in, decision-aid invitations out. Errors are FHIR OperationOutcomes whose id is the errorId in the log.',
      license: { name: 'EUPL-1.2', identifier: 'EUPL-1.2' },
    },
    servers: [{ url: '/', description: 'The API port (PORT)' }],
    paths: {
      ...probePaths(),
      ...intakePaths(),
      ...resultsPaths(),
      ...adminPaths(),
      ...kpiPaths(),
      ...jwksPaths(),
      ...metricsPaths(),
    },
    components: openApiComponents(),
  };
}

function probePaths(): Record<string, unknown> {
  return {
    '/healthz': {
      [SERVED_ON]: ['api', 'metrics'],
      get: {
        summary: 'Liveness: the process answers',
        tags: ['operations'],
        security: public_,
        responses: { '200': jsonAnswer('Alive', { type: 'object', properties: { status: { const: 'ok' } } }) },
      },
    },
    '/readyz': {
      [SERVED_ON]: ['api', 'metrics'],
      get: {
        summary: 'Readiness: Redis answers, the EPD answers GET /metadata, mapping files are loaded',
        description:
          'The EPD check is cached for 5 s. A 503 lists each failed check as an issue whose expression is its name.',
        tags: ['operations'],
        security: public_,
        responses: {
          '200': jsonAnswer('Ready', {
            type: 'object',
            properties: {
              status: { const: 'ready' },
              checks: { type: 'array', items: ref('schemas', 'ReadinessCheck') },
            },
          }),
          ...errors('503'),
        },
      },
    },
    '/openapi.json': {
      [SERVED_ON]: ['api'],
      get: {
        summary: 'This document',
        tags: ['operations'],
        security: public_,
        responses: { '200': jsonAnswer('OpenAPI 3.1 document', { type: 'object' }) },
      },
    },
  };
}

function intakePaths(): Record<string, unknown> {
  return {
    '/fhir/notify': {
      [SERVED_ON]: ['api'],
      post: {
        summary: 'Receive a change from the EPD',
        description:
          'Accepts a subscription notification (R4 Backport history Bundle, full-resource, id-only or empty), a FHIR message ' +
          'Bundle, a transaction/batch/collection Bundle, a single resource, or an empty body (a ping). Answers 2xx only ' +
          'after the events are queued in Redis; a redelivered event is accepted and not queued twice.',
        tags: ['intake'],
        security: intakeAuth,
        requestBody: {
          required: false,
          content: {
            'application/fhir+json': { schema: ref('schemas', 'FhirResource') },
            [JSON_TYPE]: { schema: ref('schemas', 'FhirResource') },
          },
        },
        responses: {
          '200': outcomeAnswer('A subscription handshake or heartbeat: acknowledged, nothing queued'),
          '202': outcomeAnswer('Accepted: the events are queued (or the resource is of no interest to any trigger)'),
          ...errors('400', '401', '409', '413', '415', '422', '500', '503'),
        },
      },
    },
    '/fhir/notify/{type}/{id}': {
      [SERVED_ON]: ['api'],
      parameters: [
        { name: 'type', in: 'path', required: true, schema: { type: 'string' }, description: 'FHIR resource type.' },
        { name: 'id', in: 'path', required: true, schema: { type: 'string' }, description: 'FHIR resource id.' },
      ],
      post: restHookOperation(),
      put: restHookOperation(),
    },
  };
}

// The classic R4 rest-hook: the subscribing server sends the changed resource (or nothing) to [endpoint]/{type}/{id}.
function restHookOperation(): Record<string, unknown> {
  return {
    summary: 'Receive a change from the EPD as a classic R4 rest-hook',
    description:
      'With the resource as the body (it must be the one the URL names) it is taken like a single resource; without a ' +
      'body the resource is read from the EPD. Answers 2xx only after the event is queued in Redis.',
    tags: ['intake'],
    security: intakeAuth,
    requestBody: {
      required: false,
      content: {
        'application/fhir+json': { schema: ref('schemas', 'FhirResource') },
        [JSON_TYPE]: { schema: ref('schemas', 'FhirResource') },
      },
    },
    responses: {
      '202': outcomeAnswer('Accepted: the event is queued (or the resource is of no interest to any trigger)'),
      ...errors('400', '401', '404', '413', '415', '422', '500', '503'),
    },
  };
}

function resultsPaths(): Record<string, unknown> {
  return {
    '/decision-aids/{aidId}/results': {
      [SERVED_ON]: ['api'],
      parameters: [
        {
          name: 'aidId',
          in: 'path',
          required: true,
          schema: { type: 'string' },
          description: 'The decision aid id of the mapping files.',
        },
      ],
      post: {
        summary: 'Receive the results (answers, summary) of a decision aid or questionnaire',
        description:
          'The platform of the decision aid reports what the patient or parent filled in; the answers are written back to the EPD.',
        tags: ['results'],
        security: [{ resultsBearer: [] }, { resultsSignature: [] }],
        requestBody: {
          required: true,
          content: {
            [JSON_TYPE]: { schema: { type: 'object' } },
            'application/fhir+json': { schema: ref('schemas', 'FhirResource') },
          },
        },
        responses: {
          '202': outcomeAnswer('Accepted: the results are queued to be written back'),
          ...errors('400', '401', '404', '413', '415', '422', '500', '503'),
        },
      },
    },
  };
}

function adminPaths(): Record<string, unknown> {
  return {
    '/admin/queues': {
      [SERVED_ON]: ['api'],
      [MOUNT]: true,
      [MOUNTED_WHEN]: 'ADMIN_TOKEN is set',
      get: {
        summary: 'Queue dashboard (Bull Board) and its API below this path',
        description:
          'Only mounted when ADMIN_TOKEN is set. Shows every queue, job state, job data and failure reason; jobs can be retried there.',
        tags: ['operations'],
        security: ADMIN_AUTH,
        responses: { '200': { description: 'The dashboard page', content: { 'text/html': {} } }, ...errors('401') },
      },
    },
  };
}

function kpiPaths(): Record<string, unknown> {
  const month = (name: string, description: string) => ({
    name,
    in: 'query',
    required: false,
    schema: { type: 'string', pattern: '^\\d{4}-(0[1-9]|1[0-2])$' },
    description,
  });
  const parameters = [
    month('period', 'One month, YYYY-MM (instead of from and to).'),
    month('from', 'First month of the range, YYYY-MM (default: eleven months before this one).'),
    month('to', 'Last month of the range, YYYY-MM (default: this month; with only from: from). At most 60 months.'),
  ];
  const description =
    'Computed from the record by FHIR search (invitation Tasks, QuestionnaireResponses, SDM-Q9 Observations), cached for KPI_CACHE_SECONDS. ' +
    'Figures with fewer than 5 respondents are suppressed. Only mounted when ADMIN_TOKEN is set. See docs/kpi.md.';
  return {
    '/kpi': {
      [SERVED_ON]: ['api'],
      [MOUNTED_WHEN]: 'ADMIN_TOKEN is set',
      get: {
        summary: 'Shared decision making KPIs as JSON: overall, per month, key moment, department and decision aid',
        description,
        tags: ['kpi'],
        security: ADMIN_AUTH,
        parameters,
        responses: {
          '200': jsonAnswer('The KPI summary', { type: 'object', required: ['from', 'to', 'overall', 'months'] }),
          ...errors('400', '401', '500', '503'),
        },
      },
    },
    '/kpi/report': {
      [SERVED_ON]: ['api'],
      [MOUNTED_WHEN]: 'ADMIN_TOKEN is set',
      get: {
        summary:
          'The KPI page: Dutch labels, a funnel and the monthly share "samen beslist" as inline SVG, no JavaScript',
        description,
        tags: ['kpi'],
        security: ADMIN_AUTH,
        parameters,
        responses: {
          '200': { description: 'The page', content: { 'text/html': {} } },
          ...errors('400', '401', '500', '503'),
        },
      },
    },
  };
}

function jwksPaths(): Record<string, unknown> {
  return {
    '/.well-known/jwks.json': {
      [SERVED_ON]: ['api'],
      [MOUNTED_WHEN]: 'EPD_AUTH=smart-backend or KOPPELTAAL_BASE_URL is set',
      get: {
        summary: "The public keys of this service's SMART Backend Services client assertions",
        description:
          "The JWKS URL to register with the EPD's authorisation server and the Koppeltaal domain's. Public key members only.",
        tags: ['epd'],
        security: public_,
        responses: {
          '200': {
            description: 'JSON Web Key Set',
            content: { 'application/jwk-set+json': { schema: { type: 'object' } } },
          },
        },
      },
    },
  };
}

function metricsPaths(): Record<string, unknown> {
  return {
    '/metrics': {
      [SERVED_ON]: ['metrics'],
      servers: [
        {
          url: 'http://{host}:{port}',
          description: 'The operations port (METRICS_PORT)',
          variables: { host: { default: 'localhost' }, port: { default: '9464' } },
        },
      ],
      get: {
        summary: 'Prometheus metrics',
        description: 'Served on METRICS_PORT only, never on the API port; protect it by network policy.',
        tags: ['operations'],
        security: public_,
        responses: { '200': { description: 'Prometheus text format 0.0.4', content: { 'text/plain': {} } } },
      },
    },
  };
}

function jsonAnswer(description: string, schema: Record<string, unknown>): Record<string, unknown> {
  return { description, content: { [JSON_TYPE]: { schema } } };
}
