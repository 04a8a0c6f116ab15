import type { Observation, QuestionnaireResponse, Task } from '@medplum/fhirtypes';
import type { EpdClient } from '../epd/epd-client.js';
import { EpdError } from '../epd/epd-error.js';
import { createFakeEpdClient, type FakeEpdClient } from '../epd/fake-epd-client.js';
import { AppError, isRetryable } from '../shared/errors.js';
import { expectAllowedReferenceTargets } from '../../test/helpers/reference-targets.js';
import { invitationTaskOf } from './build-result-resources.js';
import { loadQuestionnaires } from './load-questionnaires.js';
import { planResultWrite, type PlannedResult } from './plan-result-write.js';
import type { QuestionnaireSet } from './questionnaire-set.js';
import { resultJob, storeInvitationTask } from '../../test/fixtures/results/result-fixtures.js';
import { writeResult } from './write-result.js';

let questionnaires: QuestionnaireSet;
beforeAll(async () => {
  questionnaires = await loadQuestionnaires('mappings/questionnaires');
});

const COMPLETED_AT = '2026-03-02T20:16:05Z';

async function setUp(): Promise<{ epd: FakeEpdClient; task: string; planned: PlannedResult }> {
  const epd = createFakeEpdClient();
  const { task } = await storeInvitationTask(epd);
  return { epd, task, planned: planResultWrite(resultJob(task), questionnaires, COMPLETED_AT) };
}

async function stored(epd: EpdClient) {
  const [responses, observations] = await Promise.all([
    epd.search<QuestionnaireResponse>('QuestionnaireResponse', {}),
    epd.search<Observation>('Observation', {}),
  ]);
  return { responses, observations };
}

const transactions = (epd: FakeEpdClient) => epd.calls.filter((c) => c.method === 'transaction').length;

describe('writeResult', () => {
  it('writes the responses and Observations, then completes the Task with the responses as output', async () => {
    const { epd, task, planned } = await setUp();
    const outcome = await writeResult(epd, planned.plan);
    const { responses, observations } = await stored(epd);
    // keuzeformulier: response + 2 answers; SDM-Q9: response + 9 answers + 1 score
    expect([outcome.created, outcome.existing, responses.length, observations.length]).toEqual([14, 0, 2, 12]);
    const completed = await epd.read<Task>(task);
    expect(completed.status).toBe('completed');
    expect(completed.output?.map((o) => o.valueReference?.reference).sort()).toEqual(
      responses.map((r) => `QuestionnaireResponse/${r.id}`).sort(),
    );
    for (const observation of observations)
      expect(responses.map((r) => `QuestionnaireResponse/${r.id}`)).toContain(observation.derivedFrom?.[0]?.reference);
  });

  it('writes only references R4 allows, and links each response to its invitation both ways', async () => {
    const { epd, task, planned } = await setUp();
    await writeResult(epd, planned.plan);
    const { responses, observations } = await stored(epd);
    const completed = await epd.read<Task>(task);
    expect(() => expectAllowedReferenceTargets([completed, ...responses, ...observations])).not.toThrow();
    for (const response of responses) {
      expect(response.basedOn).toBeUndefined();
      expect(invitationTaskOf(response)).toBe(task);
      expect(completed.output?.map((o) => o.valueReference?.reference)).toContain(
        `QuestionnaireResponse/${response.id}`,
      );
    }
  });

  it('writes nothing new when the same result is written again, not even a Task version', async () => {
    const { epd, task, planned } = await setUp();
    await writeResult(epd, planned.plan);
    const version = (await epd.read<Task>(task)).meta?.versionId;
    const again = await writeResult(epd, planned.plan);
    expect([again.created, again.existing, again.task]).toEqual([0, 14, 'already-completed']);
    const { responses, observations } = await stored(epd);
    expect([responses.length, observations.length]).toEqual([2, 12]);
    expect((await epd.read<Task>(task)).meta?.versionId).toBe(version);
  });

  it.each([
    [8, 2],
    [3, 5],
  ])('sends transactions of at most %i entries (%i transactions)', async (maxEntries, expected) => {
    const { epd, planned } = await setUp();
    await writeResult(epd, planned.plan, { maxEntries });
    expect(transactions(epd)).toBe(expected);
  });

  it('cannot send all in one transaction to the in-process server: it refuses (for good) more than 8 with conditional creates', async () => {
    const { epd, task, planned } = await setUp();
    const error = await writeResult(epd, planned.plan, { maxEntries: 100 }).catch((err: unknown) => err);
    // The server's text ("too many entries") stays out of the error: it could quote the data.
    expect(error).toMatchObject({ status: 400, message: expect.stringMatching(/HTTP 400.*text #[0-9a-f]{12}/) });
    expect(isRetryable(error)).toBe(false);
    expect((await epd.read<Task>(task)).status).toBe('ready');
  });

  it.each([1, 2, 3])(
    'is retried after a failure of request %i and never leaves a duplicate or a completed Task without its resources',
    async (failing) => {
      const { epd, task, planned } = await setUp();
      // The failing request: the 1st or 2nd transaction, or the read of the Task.
      const flaky = failingCall(epd, failing);
      const first = await writeResult(flaky, planned.plan).catch((err: unknown) => err);
      expect(isRetryable(first)).toBe(true);
      expect((await epd.read<Task>(task)).status).toBe('ready');
      await writeResult(epd, planned.plan);
      const { responses, observations } = await stored(epd);
      expect([responses.length, observations.length]).toEqual([2, 12]);
      expect(new Set(observations.map((o) => o.identifier?.[0]?.value)).size).toBe(12);
      expect((await epd.read<Task>(task)).status).toBe('completed');
    },
  );

  it('turns a Task changed by someone else (412) into a retry, never a blind overwrite', async () => {
    const { epd, planned } = await setUp();
    const conflicting: EpdClient = {
      ...bind(epd),
      update: async () => {
        throw new EpdError('EPD PUT Task failed with HTTP 412', { status: 412, retry: false, code: 'conflict' });
      },
    };
    const error = await writeResult(conflicting, planned.plan).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(AppError);
    expect(isRetryable(error)).toBe(true);
  });

  it('reads the transaction answer entry by entry: a 409 among written entries is a retry, not "existing"', async () => {
    const { epd, task, planned } = await setUp();
    let first = true;
    const partly: EpdClient = {
      ...bind(epd),
      // As a server without atomic transactions answers: HTTP 200, the other entries written, one a 409.
      transaction: async (bundle) => {
        const answer = await epd.transaction(bundle);
        if (first) {
          first = false;
          // That entry was not written: take back what the in-process server (atomic) did write for it.
          const [type, id] = (answer.entry![1]!.response!.location ?? '').split('/');
          await epd.repo.deleteResource(type!, id!);
          answer.entry![1] = {
            response: {
              status: '409 Conflict',
              outcome: {
                resourceType: 'OperationOutcome',
                issue: [
                  {
                    severity: 'error',
                    code: 'conflict',
                    expression: ['Observation.identifier'],
                    diagnostics: 'could not serialize access; value 999911120',
                  },
                ],
              },
            },
          };
        }
        return answer;
      },
    };
    const error = await writeResult(partly, planned.plan).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(EpdError);
    expect(error).toMatchObject({ status: 409, retry: true });
    expect((error as Error).message).toContain('conflict at Observation.identifier');
    expect((error as Error).message).not.toContain('999911120');
    expect((await epd.read<Task>(task)).status).toBe('ready'); // never completed while half-written
    const outcome = await writeResult(epd, planned.plan); // the job's retry: finds what exists, completes the Task
    expect(outcome.task).toBe('completed');
    expect((await stored(epd)).observations).toHaveLength(12);
  });

  it('stores a late result but leaves a cancelled invitation cancelled', async () => {
    const epd = createFakeEpdClient();
    const { task } = await storeInvitationTask(epd, { status: 'cancelled' });
    const outcome = await writeResult(epd, planResultWrite(resultJob(task), questionnaires, COMPLETED_AT).plan);
    expect(outcome.task).toBe('left-as-is');
    expect((await epd.read<Task>(task)).status).toBe('cancelled');
  });
});

function bind(epd: FakeEpdClient): EpdClient {
  return {
    read: (r) => epd.read(r),
    search: (t, p) => epd.search(t, p),
    readBatch: (u) => epd.readBatch(u),
    createIfNoneExist: (r, q) => epd.createIfNoneExist(r, q),
    update: (r, o) => epd.update(r, o),
    transaction: (b) => epd.transaction(b),
  };
}

/** The EPD with its `n`-th call (counting transactions and reads) failing with a 503. */
function failingCall(epd: FakeEpdClient, n: number): EpdClient {
  let calls = 0;
  const fail = <T>(work: () => Promise<T>) => {
    calls += 1;
    if (calls === n)
      return Promise.reject(
        new EpdError('EPD unavailable (injected)', { status: 503, retry: true, code: 'transient' }),
      );
    return work();
  };
  const base = bind(epd);
  return { ...base, transaction: (b) => fail(() => base.transaction(b)), read: (r) => fail(() => base.read(r)) };
}
