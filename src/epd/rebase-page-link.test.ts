import { rebasePageLink } from './rebase-page-link.js';

const BASE = 'https://epd.hospital.example/fhir';
const TRUSTED = ['http://fhir-internal:8103/fhir/R4', 'http://fhir-internal:8103/R4'];

describe('rebasePageLink', () => {
  it.each([
    ['the base itself', `${BASE}/Task?_offset=20`, `${BASE}/Task?_offset=20`],
    ['a relative link', 'Task?_offset=20', `${BASE}/Task?_offset=20`],
    ['an absolute path', '/fhir/Task?_offset=20', `${BASE}/Task?_offset=20`],
    // What a server behind a proxy sends: its own scheme, host and port, the same path.
    ['another host, same path', 'http://10.1.2.3:8103/fhir/Task?_offset=20', `${BASE}/Task?_offset=20`],
    ['another scheme and port', 'http://epd.hospital.example:8080/fhir/Task?x=1', `${BASE}/Task?x=1`],
    [
      'a trusted base with another path',
      'http://fhir-internal:8103/fhir/R4/Task?_offset=20',
      `${BASE}/Task?_offset=20`,
    ],
    ['the base path with nothing after it', 'http://10.1.2.3/fhir?_getpages=abc', `${BASE}?_getpages=abc`],
    ['a fragment, dropped', `${BASE}/Task?_offset=20#top`, `${BASE}/Task?_offset=20`],
  ])('re-bases %s onto the base URL', (_case, link, expected) => {
    expect(rebasePageLink(link, BASE, TRUSTED)?.toString()).toBe(expected);
  });

  it.each([
    ['another path prefix', 'https://epd.hospital.example/admin/Task?_offset=20'],
    ['a path that only starts like the base', 'https://epd.hospital.example/fhirx/Task'],
    ['a way out of the base', 'https://epd.hospital.example/fhir/../admin/Task'],
    ['an encoded way out of the base', 'https://epd.hospital.example/fhir/%2e%2e/admin'],
    ['the trusted path on another host', 'http://elsewhere:8103/R4/Task'],
    ['the trusted host with another path', 'http://fhir-internal:8103/other/Task'],
    ['credentials in the link', 'https://user:secret@epd.hospital.example/fhir/Task'],
    ['another scheme', 'ftp://epd.hospital.example/fhir/Task'],
    ['not a URL', 'http://['],
  ])('refuses %s', (_case, link) => {
    expect(rebasePageLink(link, BASE, TRUSTED)).toBeUndefined();
  });

  it('takes every path under a base at the root of its host', () => {
    expect(rebasePageLink('http://proxy:9000/Task?p=2', 'https://epd.example/')?.toString()).toBe(
      'https://epd.example/Task?p=2',
    );
  });
});
