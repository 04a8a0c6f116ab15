import { AppError } from '../shared/errors.js';
import { summariseRemoteError } from '../shared/remote-error.js';
import { EpdError, epdHttpError, epdNetworkError, isRetryableStatus, parseRetryAfter } from './epd-error.js';

const NOW = Date.parse('2026-03-02T10:00:00Z');

describe('isRetryableStatus', () => {
  it.each([
    [400, false],
    [401, false],
    [404, false],
    [408, true],
    [409, false],
    [412, false],
    [422, false],
    [429, true],
    [500, true],
    [502, true],
    [503, true],
    [504, true],
  ])('%i → %s', (status, retry) => {
    expect(isRetryableStatus(status)).toBe(retry);
  });
});

describe('parseRetryAfter', () => {
  it.each([
    ['120', 120_000],
    [' 0 ', 0],
    ['Mon, 02 Mar 2026 10:00:30 GMT', 30_000],
    ['Mon, 02 Mar 2026 09:00:00 GMT', 0], // a date in the past: retry now, not at a negative delay
    ['soon', undefined],
    ['-5', undefined],
    ['', undefined],
    [null, undefined],
  ])('%j → %j', (value, ms) => {
    expect(parseRetryAfter(value, NOW)).toBe(ms);
  });
});

describe('epdHttpError', () => {
  it('is an AppError with the status, retry flag and issue codes, never the issue texts', () => {
    const outcome = {
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'not-found', details: { text: 'Resource not found' } }],
    };
    const hash = summariseRemoteError(404, outcome).textHash;
    const error = epdHttpError('GET Patient/1', 404, outcome);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toBeInstanceOf(EpdError);
    expect(error).toMatchObject({
      status: 404,
      retry: false,
      message: `EPD GET Patient/1 failed with HTTP 404: not-found (text #${hash})`,
    });
    expect(error.problems).toEqual([{ code: 'not-found', message: 'not-found' }]);
  });

  it('never puts a resource body in the message', () => {
    const error = epdHttpError('PUT Patient/1', 400, { resourceType: 'Patient', name: [{ family: 'Testbakker' }] });
    expect(error.message).toMatch(/^EPD PUT Patient\/1 failed with HTTP 400: \(text #[0-9a-f]{12}\)$/);
  });

  it.each([
    [429, '5', 5000],
    [503, '2', 2000],
    [400, '5', undefined], // a refusal stays a refusal, whatever the header says
  ])('HTTP %i with Retry-After %s → retryAfterMs %j', (status, header, ms) => {
    expect(epdHttpError('GET Task/1', status, undefined, new Headers({ 'retry-after': header })).retryAfterMs).toBe(ms);
  });
});

describe('epdNetworkError', () => {
  const timeout = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
  const reset = Object.assign(new TypeError('fetch failed'), {
    cause: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
  });
  it.each([
    ['a timeout', timeout, 'timeout', 'EPD GET Task/1 timed out'],
    ['a wrapped timeout', new TypeError('fetch failed', { cause: timeout }), 'timeout', 'EPD GET Task/1 timed out'],
    ['a connection reset', reset, 'transient', 'EPD GET Task/1 failed: ECONNRESET'],
    ['anything else', new Error('other side went away'), 'transient', 'EPD GET Task/1 failed: other side went away'],
  ])('%s → status 0, retried', (_name, cause, code, message) => {
    const error = epdNetworkError('GET Task/1', cause);
    expect(error).toMatchObject({ status: 0, retry: true, message });
    expect(error.problems[0]?.code).toBe(code);
  });
});
