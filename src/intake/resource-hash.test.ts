import { canonicalJson, contentHash } from './resource-hash.js';

describe('canonicalJson', () => {
  it.each([
    [{ b: 1, a: 2 }, '{"a":2,"b":1}'],
    [{ z: { y: 1, x: [{ d: 1, c: 2 }] } }, '{"z":{"x":[{"c":2,"d":1}],"y":1}}'],
    [[3, 1, 2], '[3,1,2]'],
    ['text', '"text"'],
    [null, 'null'],
    [{ a: undefined, b: 1 }, '{"b":1}'],
  ])('%j → %s', (value, expected) => {
    expect(canonicalJson(value)).toBe(expected);
  });

  it('keeps a __proto__ key as data', () => {
    const value = JSON.parse('{"__proto__": {"x": 1}, "a": 1}') as unknown;
    expect(canonicalJson(value)).toBe('{"__proto__":{"x":1},"a":1}');
  });
});

describe('contentHash', () => {
  it('is sha256: and 16 hex digits', () => {
    expect(contentHash({ resourceType: 'Patient', id: '1' })).toMatch(/^sha256:[0-9a-f]{16}$/);
  });

  it('is the same for the same content in another key order', () => {
    expect(contentHash({ id: '1', resourceType: 'Patient', meta: { b: 1, a: 2 } })).toBe(
      contentHash({ resourceType: 'Patient', meta: { a: 2, b: 1 }, id: '1' }),
    );
  });

  it.each([
    [
      { id: '1', status: 'active' },
      { id: '1', status: 'completed' },
    ],
    [
      { id: '1', list: [1, 2] },
      { id: '1', list: [2, 1] },
    ],
  ])('differs when the content differs (%j, %j)', (a, b) => {
    expect(contentHash(a)).not.toBe(contentHash(b));
  });

  it('matches the SHA-256 of the canonical JSON', () => {
    // echo -n '{"a":1}' | sha256sum → 015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862
    expect(contentHash({ a: 1 })).toBe('sha256:015abd7f5cc57a2d');
  });
});
