import type { Bundle, BundleEntry, OperationOutcome } from '@medplum/fhirtypes';
import { type EpdError } from './epd-error.js';
import { firstConflict, isRepeatable, readTransactionAnswer, storedEntriesOrThrow } from './transaction-answer.js';

const IDENTIFIER = 'https://sdm-bridge.org/fhir/NamingSystem/result-id';

/** Three conditional creates, as the results writer sends them. */
const BUNDLE: Bundle = {
  resourceType: 'Bundle',
  type: 'transaction',
  entry: ['a', 'b', 'c'].map((value) => ({
    fullUrl: `urn:uuid:${value}`,
    resource: { resourceType: 'Observation', status: 'final', code: { text: value } },
    request: { method: 'POST', url: 'Observation', ifNoneExist: `identifier=${IDENTIFIER}|${value}` },
  })),
};

/**
 * A conflict as a Postgres-backed server without atomic transactions answers it: the entry's
 * OperationOutcome names the element, and its diagnostics quote the data (here a BSN).
 */
const CONFLICT: OperationOutcome = {
  resourceType: 'OperationOutcome',
  issue: [
    {
      severity: 'error',
      code: 'conflict',
      expression: ["Observation.subject.where(reference = 'Patient/999911120')"],
      details: { text: 'Conflict for patient 999911120' },
      diagnostics: 'could not serialize access due to concurrent update; subject 999911120',
    },
  ],
};

function answer(...entries: BundleEntry[]): Bundle {
  return { resourceType: 'Bundle', type: 'transaction-response', entry: entries };
}
const created = (id: string): BundleEntry => ({
  response: { status: '201 Created', location: `Observation/${id}/_history/1` },
});
const found = (id: string): BundleEntry => ({
  response: { status: '200 OK', location: `Observation/${id}/_history/3` },
});

describe('readTransactionAnswer / storedEntriesOrThrow', () => {
  it('tells created (201) from found by the condition (200), with each Location', () => {
    expect(storedEntriesOrThrow(BUNDLE, answer(created('1'), found('2'), created('3')))).toEqual([
      { status: 201, created: true, location: 'Observation/1/_history/1' },
      { status: 200, created: false, location: 'Observation/2/_history/3' },
      { status: 201, created: true, location: 'Observation/3/_history/1' },
    ]);
  });

  it('reads an HTTP 200 answer entry by entry: a 409 among written entries is an error of that entry', () => {
    const answers = readTransactionAnswer(
      BUNDLE,
      answer(created('1'), { response: { status: '409 Conflict', outcome: CONFLICT } }, created('3')),
    );
    expect(answers[0]).toMatchObject({ status: 201 });
    expect(answers[2]).toMatchObject({ status: 201 });
    const { error } = answers[1] as { error: EpdError };
    expect(error).toMatchObject({ status: 409, retry: true });
    expect(error.message).toBe(
      "EPD POST Observation (entry 2) failed with HTTP 409: conflict at Observation.subject.where(reference = '…')",
    );
    expect(error.problems).toEqual([
      {
        code: 'conflict',
        message: "conflict at Observation.subject.where(reference = '…')",
        expression: "Observation.subject.where(reference = '…')",
      },
    ]);
    expect(JSON.stringify(error.problems) + error.message).not.toContain('999911120');
  });

  it('throws a failure another attempt cannot cure before a conflict, so a job does not retry in vain', () => {
    const invalid: BundleEntry = {
      response: {
        status: '400',
        outcome: {
          resourceType: 'OperationOutcome',
          issue: [{ severity: 'error', code: 'invalid', location: ['Observation.code'] }],
        },
      },
    };
    const conflict: BundleEntry = { response: { status: '409', outcome: CONFLICT } };
    expect(() => storedEntriesOrThrow(BUNDLE, answer(conflict, invalid, created('3')))).toThrow(
      expect.objectContaining({
        status: 400,
        retry: false,
        message: expect.stringContaining('invalid at Observation.code'),
      }),
    );
    expect(() => storedEntriesOrThrow(BUNDLE, answer(conflict, created('2'), created('3')))).toThrow(
      expect.objectContaining({ status: 409, retry: true }),
    );
  });

  it('takes the outcome from the entry resource when the server puts it there, and an entry without status as a server fault', () => {
    const [inResource, noStatus] = readTransactionAnswer(
      { ...BUNDLE, entry: BUNDLE.entry!.slice(0, 2) },
      answer({ resource: CONFLICT, response: { status: '412' } }, { response: {} as BundleEntry['response'] }),
    ) as { error: EpdError }[];
    expect(inResource!.error).toMatchObject({
      status: 412,
      retry: true,
      message: expect.stringContaining(': conflict at'),
    });
    expect(noStatus!.error).toMatchObject({ status: 502, retry: true });
  });

  it('refuses an answer of another type or with another number of entries (retryable)', () => {
    for (const wrong of [
      { ...answer(created('1'), created('2'), created('3')), type: 'batch-response' as const },
      answer(created('1'), created('2')),
    ]) {
      const answers = readTransactionAnswer(BUNDLE, wrong);
      expect(answers).toHaveLength(3);
      for (const a of answers) expect(a).toMatchObject({ error: { status: 502, retry: true } });
    }
  });

  it('firstConflict finds a 409 or 412 entry, and nothing in an answer without one', () => {
    expect(firstConflict(BUNDLE, answer(created('1'), found('2'), created('3')))).toBeUndefined();
    const bad: BundleEntry = { response: { status: '404', outcome: CONFLICT } };
    expect(firstConflict(BUNDLE, answer(bad, found('2'), created('3')))).toBeUndefined();
    const conflict = firstConflict(BUNDLE, answer(created('1'), { response: { status: '412' } }, created('3')));
    expect(conflict).toMatchObject({ status: 412, retry: true });
  });
});

describe('isRepeatable', () => {
  const entry = (request: BundleEntry['request']): BundleEntry => ({ request });
  it.each([
    ['conditional creates', [entry({ method: 'POST', url: 'Task', ifNoneExist: 'identifier=x|1' })], true],
    [
      'reads, updates and deletes',
      [
        entry({ method: 'GET', url: 'Task/1' }),
        entry({ method: 'PUT', url: 'Task/1' }),
        entry({ method: 'DELETE', url: 'Task/2' }),
      ],
      true,
    ],
    [
      'a plain create',
      [entry({ method: 'POST', url: 'Task', ifNoneExist: 'identifier=x|1' }), entry({ method: 'POST', url: 'Task' })],
      false,
    ],
    ['a patch', [entry({ method: 'PATCH', url: 'Task/1' })], false],
  ])('%s → %s', (_case, entries, expected) => {
    expect(isRepeatable({ resourceType: 'Bundle', type: 'transaction', entry: entries })).toBe(expected);
  });
});
