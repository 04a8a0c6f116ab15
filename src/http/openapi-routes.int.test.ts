import { type EmbeddedStack } from '../sandbox/start-stack.js';
import { openApiDocument } from './openapi-document.js';
import { documentedRoutes, routeLines, servedRoutes } from './openapi-routes.js';
import { startTestStack } from '../../test/helpers/embedded.js';

/** jest.config's per-project testTimeout is not applied (jest reads testTimeout globally), so the embedded parts get their time here. */
const SLOW_MS = 30_000;

/**
 * The OpenAPI document against the routes the service really serves, as startService wires it
 * with every optional surface on (queue dashboard, operations listener). A route added without
 * its description here fails, and so does a described route nobody serves.
 */
describe('GET /openapi.json describes exactly the routes served', () => {
  let stack: EmbeddedStack;
  beforeAll(async () => {
    stack = await startTestStack({
      env: { ADMIN_TOKEN: 'admin-token-0123456789', METRICS_PORT: '0', METRICS_HOST: '127.0.0.1' },
    });
  }, SLOW_MS);
  afterAll(async () => {
    await stack.close();
  }, SLOW_MS);

  it.each(['api', 'metrics'] as const)(
    'on the %s listener: nothing undocumented, nothing documented missing',
    (listener) => {
      const app = stack.service.apps[listener];
      expect(app).toBeDefined();
      const served = routeLines(servedRoutes(app!));
      expect(served).toEqual(
        expect.arrayContaining(routeLines(documentedRoutes(openApiDocument(), listener, { always: true }))),
      );
      const documented = routeLines(documentedRoutes(openApiDocument(), listener));
      expect(served.filter((route) => !documented.includes(route))).toEqual([]);
    },
    SLOW_MS,
  );

  it(
    'is served by the running API',
    async () => {
      const res = await fetch(`${stack.service.url}/openapi.json`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual(JSON.parse(JSON.stringify(openApiDocument())));
    },
    SLOW_MS,
  );
});
