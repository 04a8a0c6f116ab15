import { describeInvitationJob, reasonClass, type JobView } from './explain-lost.js';
import type { InvitationJobData } from '../queue/job-types.js';
import type { InvitationJobResult } from '../decision-aids/invitation-job.js';

const data = {} as InvitationJobData;
const view = (v: Partial<JobView<InvitationJobData, InvitationJobResult>>) =>
  ({ state: 'completed', data, attemptsMade: 1, ...v }) as JobView<InvitationJobData, InvitationJobResult>;

describe('describeInvitationJob', () => {
  it.each<[string, JobView<InvitationJobData, InvitationJobResult>, string]>([
    ['a Task written', view({ returnvalue: { taskId: 't', created: true } }), 'completed: Task written'],
    [
      'a Task found on hold',
      view({ returnvalue: { taskId: 't', created: false, onHold: true } }),
      'completed: Task found, on hold',
    ],
    [
      'the withdrawn path',
      view({ returnvalue: { taskId: '', created: false, withdrawn: 'cancelled' } }),
      'completed: withdrawn path taken (cancelled), no Task',
    ],
    ['waiting out its reflection time', view({ state: 'delayed', attemptsMade: 0 }), 'delayed (reflection time)'],
    ['waiting for a retry', view({ state: 'delayed', attemptsMade: 3 }), 'delayed (retry after 3 attempt(s))'],
    [
      'failed',
      view({ state: 'failed', attemptsMade: 40, failedReason: 'EPD POST Task failed with HTTP 503' }),
      'failed after 40 attempt(s): HTTP 503',
    ],
    ['still active', view({ state: 'active', attemptsMade: 2 }), 'active (2 attempt(s))'],
  ])('%s', (_case, job, words) => {
    expect(describeInvitationJob(job)).toBe(words);
  });
});

describe('reasonClass', () => {
  it.each([
    ['EPD GET Encounter/e1 failed with HTTP 404: not-found', 'HTTP 404'],
    ['decision aid astma-kind: platform answered late', 'decision aid astma-kind'],
    ['Task/t1 not found (gone)', 'Type/… not found'],
    ['', 'unknown'],
  ])('%j → %j', (reason, expected) => {
    expect(reasonClass(reason)).toBe(expected);
  });
});
