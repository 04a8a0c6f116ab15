import { createHmac } from 'node:crypto';
import type { IntakeSource } from '../config/load-config.js';
import { safeEqual, signatureHex, signatureWindowSeconds, signRequest, verifySource } from './verify-source.js';

const SECRET = 'engine-secret-0123456789';
const sources: IntakeSource[] = [
  { id: 'hix', auth: { type: 'bearer', token: 'hix-token-0123456789' } },
  { id: 'engine', auth: { type: 'hmac', secret: SECRET } },
  { id: 'lab', auth: { type: 'hmac', secret: 'lab-secret-0123456789', maxAgeSeconds: 60 } },
];
const body = Buffer.from('{"resourceType":"Patient","id":"1"}');
const NOW = Date.parse('2025-03-01T12:00:00Z');
const ts = (offsetSeconds: number) => String(NOW / 1000 + offsetSeconds);
const signed = (secret: string, offsetSeconds = 0, payload: Buffer | string = body) => ({
  timestamp: ts(offsetSeconds),
  signature: `v1=${signatureHex(secret, ts(offsetSeconds), payload)}`,
});

describe('verifySource', () => {
  it.each([
    ['the bearer token', { authorization: 'Bearer hix-token-0123456789' }, 'hix'],
    ['a lower-case scheme', { authorization: 'bearer hix-token-0123456789' }, 'hix'],
    ['a wrong token', { authorization: 'Bearer hix-token-012345678' }, undefined],
    ['a token with a suffix', { authorization: 'Bearer hix-token-0123456789x' }, undefined],
    ['an empty bearer', { authorization: 'Bearer ' }, undefined],
    ['the token without scheme', { authorization: 'hix-token-0123456789' }, undefined],
    ['a fresh signature', signed(SECRET), 'engine'],
    ['a signature 299 s old', signed(SECRET, -299), 'engine'],
    ['a signature 299 s ahead (sender clock fast)', signed(SECRET, 299), 'engine'],
    ['a signature 301 s old (replay)', signed(SECRET, -301), undefined],
    ['a signature 301 s ahead', signed(SECRET, 301), undefined],
    ['a source with a 60 s window at 59 s', signed('lab-secret-0123456789', -59), 'lab'],
    ['a source with a 60 s window at 61 s', signed('lab-secret-0123456789', -61), undefined],
    ['a signature of another body', signed(SECRET, 0, 'other'), undefined],
    ['a signature with the wrong secret', signed('wrong-secret-0123456789'), undefined],
    ['a signature without its timestamp', { signature: signed(SECRET).signature }, undefined],
    ['a timestamp other than the signed one', { ...signed(SECRET, -10), timestamp: ts(0) }, undefined],
    ['a timestamp in milliseconds', { ...signed(SECRET), timestamp: String(NOW) }, undefined],
    ['a timestamp with a fraction', { signature: signed(SECRET).signature, timestamp: `${ts(0)}.0` }, undefined],
    ['a negative timestamp', { signature: signed(SECRET).signature, timestamp: '-1' }, undefined],
    [
      'the signature without the v1= tag',
      { timestamp: ts(0), signature: signatureHex(SECRET, ts(0), body) },
      undefined,
    ],
    [
      'an untimed body signature (old scheme)',
      { signature: `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}` },
      undefined,
    ],
    [
      'two signatures, one right (secret rotation)',
      { timestamp: ts(0), signature: `v1=00ff, ${signed(SECRET).signature}` },
      'engine',
    ],
    ['a signature upper-cased', { timestamp: ts(0), signature: signed(SECRET).signature.toUpperCase() }, undefined],
    ['no credentials', {}, undefined],
  ])('with %s → %s', (_name, presented, expected) => {
    expect(verifySource(sources, { ...presented, rawBody: body, now: NOW })?.id).toBe(expected);
  });

  it('signs what it verifies: signRequest gives the two headers for now', () => {
    const headers = signRequest(SECRET, body, NOW);
    expect(headers['x-sdm-timestamp']).toBe(ts(0));
    const presented = { timestamp: headers['x-sdm-timestamp'], signature: headers['x-sdm-signature'] };
    expect(verifySource(sources, { ...presented, rawBody: body, now: NOW + 1000 })?.id).toBe('engine');
  });

  it('signs the exact bytes, so a re-encoded body no longer matches', () => {
    const pretty = Buffer.from(JSON.stringify(JSON.parse(body.toString()), null, 2));
    expect(verifySource(sources, { ...signed(SECRET), rawBody: pretty, now: NOW })).toBeUndefined();
  });

  it('follows the documented scheme: hex HMAC-SHA256 of "<timestamp>.<body>"', () => {
    // The vector of docs/security.md, computed there with openssl, so a sender in another language can check itself.
    const expected = 'a468e8132f9a55224fcdecee64599cbf6cded8d0545c70140225441afeda5787';
    expect(signatureHex('test-secret-0123456789', '1700000000', '{"resourceType":"Patient"}')).toBe(expected);
  });
});

describe('signatureWindowSeconds', () => {
  it.each([
    [sources, 300],
    [[sources[0]!], 0],
    [[sources[2]!], 60],
  ])('%#: the longest window of the signing sources', (list, expected) => {
    expect(signatureWindowSeconds(list)).toBe(expected);
  });
});

describe('safeEqual', () => {
  it.each([
    ['abc', 'abc', true],
    ['abc', 'abd', false],
    ['abc', 'abcd', false],
    ['abcd', 'abc', false],
    ['', '', false],
    ['é', 'é', true],
  ])('%s vs %s → %s', (a, b, expected) => {
    expect(safeEqual(a, b)).toBe(expected);
  });
});
