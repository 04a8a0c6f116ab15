import { jest } from '@jest/globals';
import createDebug from 'debug';
import { startLoopbackServer } from '../../test/helpers/loopback-server.js';
import { createEpdClient } from './fhir-epd-client.js';

afterEach(() => createDebug.disable());

describe('fhir-kit-client debug output', () => {
  it('stays off with DEBUG=fhir-kit-client:*: it would print request URLs, headers and answers', async () => {
    const server = await startLoopbackServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'application/fhir+json' }).end('{"resourceType":"Patient","id":"p1"}'),
    );
    createDebug.enable('fhir-kit-client:*,some-other-library:*'); // as DEBUG would at start
    const written: string[] = [];
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      written.push(String(chunk));
      return true;
    });
    try {
      const epd = createEpdClient({
        baseUrl: `${server.origin}/fhir`,
        auth: { type: 'bearer', token: 'token-that-must-not-show' },
        timeoutMs: 2_000,
      });
      await expect(epd.read('Patient/p1')).resolves.toMatchObject({ id: 'p1' });
    } finally {
      stderr.mockRestore();
      await server.close();
    }
    expect(createDebug.enabled('fhir-kit-client:info')).toBe(false);
    expect(createDebug.enabled('some-other-library:x')).toBe(true); // what else was asked for stays on
    expect(written.join('')).not.toContain('token-that-must-not-show');
    expect(written.join('')).not.toContain('Patient/p1'); // the request URL: a search's query can hold a BSN
  });
});
