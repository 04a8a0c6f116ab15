import { EpdError } from './epd-error.js';
import { retryOnConflict } from './retry-on-conflict.js';

const conflict = (status: number) => new EpdError(`EPD POST Task failed with HTTP ${status}`, { status, retry: true });
const RETRY = { tries: 3, backoffMs: 1 };

/** Work that fails with the given errors in turn, then succeeds; counts its calls. */
function failing(...errors: Error[]) {
  let calls = 0;
  const work = async () => {
    calls += 1;
    const error = errors[calls - 1];
    if (error) throw error;
    return 'done';
  };
  return { work, calls: () => calls };
}

describe('retryOnConflict', () => {
  it.each([409, 412])('tries again after a %i and returns what the later try got', async (status) => {
    const { work, calls } = failing(conflict(status), conflict(status));
    await expect(retryOnConflict(work, RETRY)).resolves.toBe('done');
    expect(calls()).toBe(3);
  });

  it('throws the last conflict after all tries, still retryable for the job', async () => {
    const last = conflict(409);
    const { work, calls } = failing(conflict(409), conflict(409), last);
    await expect(retryOnConflict(work, RETRY)).rejects.toBe(last);
    expect(last.retry).toBe(true);
    expect(calls()).toBe(3);
  });

  it.each([
    ['a 503', new EpdError('EPD down', { status: 503, retry: true })],
    ['a 400', new EpdError('EPD refused', { status: 400, retry: false })],
    ['an error that is not the EPD', new Error('bug')],
  ])('does not repeat %s', async (_case, error) => {
    const { work, calls } = failing(error);
    await expect(retryOnConflict(work, RETRY)).rejects.toBe(error);
    expect(calls()).toBe(1);
  });
});
