import { requestIdOf, requestIdTag, REQUEST_ID_SYSTEM } from './request-id.js';

describe('requestIdOf', () => {
  it.each([
    ['the first safe candidate', ['hix-42', 'msg-1'], 'hix-42'],
    ['the next when the first is missing', [undefined, 'msg-1'], 'msg-1'],
    ['the next when the first is unsafe', ['a b<c>', 'msg-1'], 'msg-1'],
    ['not a number posing as an id', [42, 'msg-1'], 'msg-1'],
    ['not an id that is too long', ['x'.repeat(129), 'msg-1'], 'msg-1'],
  ])('takes %s', (_name, candidates, expected) => {
    expect(requestIdOf(...candidates)).toBe(expected);
  });

  it('makes up a new id when no candidate will do, a different one each time', () => {
    const first = requestIdOf(undefined, 'has space');
    expect(first).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(requestIdOf()).not.toBe(first);
  });

  it('tags with its own code system', () => {
    expect(requestIdTag('hix-42')).toEqual({ system: REQUEST_ID_SYSTEM, code: 'hix-42' });
  });
});
