import type { IncomingMessage, ServerResponse } from 'node:http';
import { startLoopbackServer, type LoopbackServer } from '../../test/helpers/loopback-server.js';
import { epdFailure as failure } from '../../test/helpers/epd-failure.js';
import { createTestPki, type TestPki } from '../../test/helpers/test-pki.js';
import { connectEpd } from './connect-epd.js';
import type { EpdClientOptions } from './fhir-epd-client.js';

// An EPD that requires mutual TLS, on loopback with a CA and certificates made for this run: the
// FHIR client, the token request and the GETs outside the port must all present the certificate.

const FHIR_JSON = { 'content-type': 'application/fhir+json' };

let pki: TestPki;
let epd: LoopbackServer;

function answer(req: IncomingMessage, res: ServerResponse): void {
  if (req.method === 'POST' && req.url === '/oauth2/token') {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"access_token":"mtls-token","expires_in":300}');
  } else if (req.url === '/fhir/Task/t1') {
    res.writeHead(200, FHIR_JSON).end('{"resourceType":"Task","id":"t1","status":"ready","intent":"order"}');
  } else {
    res.writeHead(200, FHIR_JSON).end('{"resourceType":"CapabilityStatement"}');
  }
}

beforeAll(async () => {
  pki = createTestPki();
  epd = await startLoopbackServer(answer, {
    ...pki.server,
    ca: pki.ca.cert,
    requestCert: true,
    rejectUnauthorized: true, // no client certificate signed by the CA: no TLS connection at all
  });
});
afterAll(() => epd.close());
afterEach(() => epd.seen.splice(0));

function settings(tls: EpdClientOptions['tls']): EpdClientOptions {
  return {
    baseUrl: `${epd.origin}/fhir`,
    timeoutMs: 5_000,
    auth: {
      type: 'client-credentials',
      tokenUrl: `${epd.origin}/oauth2/token`,
      clientId: 'sdm-bridge',
      clientSecret: 'a-test-secret-of-enough-length',
    },
    ...(tls ? { tls } : {}),
  };
}

describe('EPD transport: mutual TLS', () => {
  it('presents the client certificate on the token request, FHIR calls and GETs outside the port', async () => {
    const connection = connectEpd(settings({ ca: pki.ca.cert, ...pki.client }));
    try {
      await expect(connection.client.read('Task/t1')).resolves.toMatchObject({ id: 't1' });
      expect((await connection.get('metadata')).status).toBe(200);
    } finally {
      await connection.close();
    }
    expect(epd.seen).toEqual([
      { method: 'POST', path: '/oauth2/token', clientCertificate: 'sdm-bridge-test-client' },
      {
        method: 'GET',
        path: '/fhir/Task/t1',
        authorization: 'Bearer mtls-token',
        clientCertificate: 'sdm-bridge-test-client',
      },
      {
        method: 'GET',
        path: '/fhir/metadata',
        authorization: 'Bearer mtls-token',
        clientCertificate: 'sdm-bridge-test-client',
      },
    ]);
  });

  it('without the client certificate the EPD lets nothing through: a retryable network error', async () => {
    const connection = connectEpd(settings({ ca: pki.ca.cert }));
    const error = await failure(connection.client.read('Task/t1'));
    await connection.close();
    expect(error).toMatchObject({ status: 0, retry: true });
    expect(error.message).toMatch(/^EPD token request failed: /);
    expect(epd.seen).toEqual([]);
  });

  it("without the EPD's CA the server is not trusted, and nothing is sent", async () => {
    const connection = connectEpd(settings({ ...pki.client }));
    const error = await failure(connection.client.read('Task/t1'));
    await connection.close();
    expect(error).toMatchObject({ status: 0, retry: true });
    expect(error.message).toMatch(/CERT|SIGNATURE|ISSUER/); // e.g. UNABLE_TO_VERIFY_LEAF_SIGNATURE
    expect(epd.seen).toEqual([]);
  });
});
