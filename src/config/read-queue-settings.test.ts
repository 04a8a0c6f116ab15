import { readQueueSettings } from './read-queue-settings.js';

describe('readQueueSettings', () => {
  it('gives every queue the settings it had before, from nothing set', () => {
    const problems: string[] = [];
    const queues = readQueueSettings({}, problems);
    expect(problems).toEqual([]);
    const retention = { completedSeconds: 604_800, completedCount: 100_000, failedSeconds: 2_592_000 };
    const retries = { attempts: 12, backoffMs: 30_000, maxBackoffMs: 0, retention };
    expect(queues).toEqual({
      events: { concurrency: 10, ...retries },
      invitations: { concurrency: 10, ...retries },
      poll: { concurrency: 4, ...retries },
      results: { concurrency: 4, ...retries },
      kpi: { concurrency: 1, ...retries },
    });
  });

  it('lets one queue differ from the shared settings, and treats empty as unset', () => {
    const queues = readQueueSettings(
      {
        JOB_ATTEMPTS: '5',
        RETRY_BACKOFF_MS: '1000',
        INVITATION_ATTEMPTS: '20',
        INVITATION_BACKOFF_MAX_MS: '600000',
        EVENT_ATTEMPTS: '',
        EVENT_RETAIN_COMPLETED_SECONDS: '3600',
        RESULT_CONCURRENCY: '2',
        POLL_JOB_BACKOFF_MS: '500',
      },
      [],
    );
    expect(queues.invitations).toMatchObject({ attempts: 20, backoffMs: 1000, maxBackoffMs: 600_000 });
    expect(queues.events).toMatchObject({ attempts: 5, retention: { completedSeconds: 3600 } });
    expect(queues.results).toMatchObject({ concurrency: 2, attempts: 5 });
    expect(queues.poll).toMatchObject({ backoffMs: 500, attempts: 5 });
    expect(queues.kpi).toMatchObject({ attempts: 5, backoffMs: 1000 });
  });

  it.each([
    ['EVENT_CONCURRENCY', '0'],
    ['INVITATION_ATTEMPTS', 'many'],
    ['RESULT_BACKOFF_MS', '1.5'],
    ['JOB_ATTEMPTS', '-1'],
    ['RETAIN_COMPLETED_COUNT', '0'],
  ])('names %s=%s as a problem', (key, value) => {
    const problems: string[] = [];
    readQueueSettings({ [key]: value }, problems);
    expect(problems).toEqual([expect.stringMatching(new RegExp(`^${key}: must be a whole number of at least \\d+$`))]);
  });

  it('offers no setting that would have no effect', () => {
    // Completed results jobs are removed at once, and KPI jobs carry their own options.
    const queues = readQueueSettings({ RESULT_RETAIN_COMPLETED_SECONDS: '1', KPI_JOB_ATTEMPTS: '99' }, []);
    expect(queues.results.retention.completedSeconds).toBe(604_800);
    expect(queues.kpi.attempts).toBe(12);
  });
});
