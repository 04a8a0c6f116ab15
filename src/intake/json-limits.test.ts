import { AppError } from '../shared/errors.js';
import {
  capProblems,
  checkEventCount,
  checkJsonLimits,
  jsonSyntaxMessage,
  MAX_BUNDLE_ENTRIES,
  MAX_JSON_DEPTH,
  MAX_PROBLEMS,
  quoted,
} from './json-limits.js';
import { parseNotification } from './parse-notification.js';

const nested = (depth: number, wrap: (v: unknown) => unknown) => {
  let value: unknown = 1;
  for (let i = 1; i < depth; i++) value = wrap(value);
  return value;
};
const statusOf = (fn: () => unknown) => {
  try {
    fn();
    return 'passes';
  } catch (err) {
    return err instanceof AppError ? err.status : `not an AppError: ${(err as Error).message}`;
  }
};
const ctx = { source: 'hix', epdBase: 'https://epd.example.org/fhir', receivedAt: '2025-03-01T12:00:00Z' };
const bundle = (type: string, entry: unknown[]) => ({ resourceType: 'Bundle', type, entry });

describe('checkJsonLimits', () => {
  it.each([
    ['arrays at the depth limit', nested(MAX_JSON_DEPTH, (v) => [v]), 'passes'],
    ['arrays one level deeper', nested(MAX_JSON_DEPTH + 2, (v) => [v]), 400],
    ['objects 100k deep', nested(100_000, (v) => ({ a: v })), 400],
    ['a Bundle at the entry limit', bundle('collection', new Array(MAX_BUNDLE_ENTRIES).fill(1)), 'passes'],
    ['a Bundle over the entry limit', bundle('collection', new Array(MAX_BUNDLE_ENTRIES + 1).fill(1)), 413],
    ['a scalar', 'text', 'passes'],
    ['null', null, 'passes'],
  ])('%s → %s', (_name, body, expected) => {
    expect(statusOf(() => checkJsonLimits(body))).toBe(expected);
  });
});

describe('parseNotification on hostile shapes: always an AppError, never a crash', () => {
  const message = (focus: unknown[]) => bundle('message', [{ resource: { resourceType: 'MessageHeader', focus } }]);
  it.each([
    [
      'a deep extension in a resource',
      { resourceType: 'Patient', id: 'p', extension: nested(50_000, (v) => [v]) },
      400,
    ],
    [
      'a deep Parameters part chain',
      bundle('history', [
        { resource: { resourceType: 'Parameters', parameter: [nested(50_000, (v) => ({ name: 'x', part: [v] }))] } },
      ]),
      400,
    ],
    ['Bundle.type "constructor"', bundle('constructor', [1]), 422],
    ['Bundle.type "__proto__"', JSON.parse('{"resourceType":"Bundle","type":"__proto__","entry":[1]}'), 422],
    ['Bundle.type "toString"', bundle('toString', [1]), 422],
    [
      'request.method "toString"',
      bundle('transaction', [{ fullUrl: 'Patient/1', request: { method: 'toString' } }]),
      422,
    ],
    [
      'request.method "constructor"',
      bundle('batch', [{ fullUrl: 'Patient/1', request: { method: 'constructor' } }]),
      422,
    ],
    [
      'a message with more foci than the limit',
      message(Array.from({ length: MAX_BUNDLE_ENTRIES + 1 }, (_, i) => ({ reference: `Patient/${i}` }))),
      413,
    ],
  ])('%s → %s', (_name, body, expected) => {
    expect(statusOf(() => parseNotification(body, ctx))).toBe(expected);
  });

  it('lists at most 100 problems and counts the rest', () => {
    const broken = bundle('collection', new Array(5_000).fill(1));
    try {
      parseNotification(broken, ctx);
      throw new Error('expected a refusal');
    } catch (err) {
      const problems = (err as AppError).problems;
      expect(problems).toHaveLength(MAX_PROBLEMS + 1);
      expect(problems.at(-1)!.message).toBe(`and ${5_000 - MAX_PROBLEMS} more problem(s) of the same kind`);
    }
  });

  it('quotes a sender value cut short', () => {
    const long = 'x'.repeat(100_000);
    expect(quoted(long)).toHaveLength(64 + 3);
    try {
      parseNotification(bundle(long, [1]), ctx);
    } catch (err) {
      expect(JSON.stringify((err as AppError).problems).length).toBeLessThan(300);
    }
  });
});

describe('capProblems and checkEventCount', () => {
  it('keeps a short list as it is', () => {
    const error = new AppError('x', { status: 422, problems: [{ code: 'value', message: 'one' }] });
    expect(capProblems(error)).toBe(error);
  });

  it.each([
    [MAX_BUNDLE_ENTRIES, 'passes'],
    [MAX_BUNDLE_ENTRIES + 1, 413],
  ])('%s events → %s', (count, expected) => {
    expect(statusOf(() => checkEventCount(count))).toBe(expected);
  });
});

describe('jsonSyntaxMessage', () => {
  const messageFor = (text: string) => {
    try {
      JSON.parse(text);
    } catch (err) {
      return jsonSyntaxMessage(err);
    }
    return 'parsed';
  };
  it.each([
    ['{"given":[Sem]}', 'body is not valid JSON'],
    ['{"bsn":"999911120"} broken', 'body is not valid JSON (at position 20)'],
    ['{"resourceType": ', 'body is not valid JSON'],
  ])('%s → %s, never the text itself', (text, expected) => {
    expect(messageFor(text)).toBe(expected);
  });
});
