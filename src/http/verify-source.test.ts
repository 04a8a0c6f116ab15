import type { IntakeSource } from '../config/load-config.js';
import { hmacHex, safeEqual, verifySource } from './verify-source.js';

const sources: IntakeSource[] = [
  { id: 'hix', auth: { type: 'bearer', token: 'hix-token-0123456789' } },
  { id: 'engine', auth: { type: 'hmac', secret: 'engine-secret-0123456789' } },
];
const body = Buffer.from('{"resourceType":"Patient","id":"1"}');

describe('verifySource', () => {
  it.each([
    ['the bearer token', { authorization: 'Bearer hix-token-0123456789' }, 'hix'],
    ['a lower-case scheme', { authorization: 'bearer hix-token-0123456789' }, 'hix'],
    ['the body signature', { signature: `sha256=${hmacHex('engine-secret-0123456789', body)}` }, 'engine'],
    ['a wrong token', { authorization: 'Bearer hix-token-012345678' }, undefined],
    ['an empty bearer', { authorization: 'Bearer ' }, undefined],
    ['a signature of another body', { signature: `sha256=${hmacHex('engine-secret-0123456789', 'other')}` }, undefined],
    ['a signature with the wrong secret', { signature: `sha256=${hmacHex('wrong-secret-0123456789', body)}` }, undefined],
    ['no credentials', {}, undefined],
  ])('with %s → %s', (_name, presented, expected) => {
    expect(verifySource(sources, { ...presented, rawBody: body })?.id).toBe(expected);
  });
});

describe('safeEqual', () => {
  it.each([
    ['abc', 'abc', true],
    ['abc', 'abd', false],
    ['abc', 'abcd', false],
    ['', '', false],
  ])('%s vs %s → %s', (a, b, expected) => {
    expect(safeEqual(a, b)).toBe(expected);
  });
});
