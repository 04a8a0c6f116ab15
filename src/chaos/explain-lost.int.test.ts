import { Queue, UnrecoverableError, Worker } from 'bullmq';
import type { EventJobData, InvitationJobData } from '../queue/job-types.js';
import { connectTestRedis, removeKeysUnder, uniquePrefix } from '../../test/helpers/redis.js';
import { explainLost } from './explain-lost.js';

const AID = 'astma-kind';
const GUARDIAN = 'RelatedPerson/g1';

function event(reference: string): EventJobData {
  return {
    eventKey: `https://epd.example.org/fhir|${reference}/_history/1`,
    source: 'hix',
    shape: 'resource',
    resourceType: reference.split('/')[0]!,
    reference,
    interaction: 'update',
    occurredAt: '2026-12-01T10:00:00Z',
  };
}

function invitation(focus: string): InvitationJobData {
  return {
    invitationId: `inv-${focus.replace('/', '-')}`,
    eventKey: `https://epd.example.org/fhir|${focus}/_history/1`,
    source: 'hix',
    triggerId: 'astma-evaluatie',
    keyMoment: 'evaluation',
    decisionAidId: AID,
    patient: 'Patient/p1',
    recipient: { role: 'guardian', reference: GUARDIAN },
    focus: `${focus}/_history/1`,
    occurredAt: '2026-12-01T10:00:00Z',
  };
}

/**
 * The jobs behind lost invitations on real queues: one whose invitation took the withdrawn path,
 * one whose events job failed, one never queued at all, one still waiting out its reflection time.
 */
describe('explainLost', () => {
  const redis = connectTestRedis();
  const prefix = uniquePrefix('explain-lost');
  const events = new Queue<EventJobData>('events', { connection: redis, prefix });
  const invitations = new Queue<InvitationJobData>('invitations', { connection: redis, prefix });
  afterAll(async () => {
    await Promise.all([events.close(), invitations.close()]);
    await removeKeysUnder(redis, prefix);
    redis.disconnect();
  });

  it('says per lost key what became of its events and invitation jobs', async () => {
    const workerConnections = [connectTestRedis(), connectTestRedis()];
    const eventWorker = new Worker<EventJobData>(
      'events',
      async (job) => {
        if (job.data.reference === 'Encounter/failing')
          throw new UnrecoverableError('EPD GET Encounter/failing failed with HTTP 404: not-found');
        return {
          invitations: ['inv-1'],
          skipped: [{ triggerId: 'positieve-gezondheid', reason: 'x', code: 'no-guardian' }],
        };
      },
      { connection: workerConnections[0]!, prefix },
    );
    const invitationWorker = new Worker<InvitationJobData>(
      'invitations',
      async () => ({ taskId: '', created: false, withdrawn: 'deleted' }),
      { connection: workerConnections[1]!, prefix },
    );
    try {
      await events.add('Encounter', event('Encounter/withdrawn'));
      await events.add('Encounter', event('Encounter/failing'));
      await events.add('Encounter', event('Encounter/reflecting'));
      await invitations.add('inv', invitation('Encounter/withdrawn'));
      await invitations.add('inv', invitation('Encounter/reflecting'), { delay: 60_000 });
      for (let i = 0; i < 100 && (await events.getCompletedCount()) + (await events.getFailedCount()) < 3; i++)
        await new Promise((resolve) => setTimeout(resolve, 50));
      for (let i = 0; i < 100 && (await invitations.getCompletedCount()) < 1; i++)
        await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      await Promise.all([eventWorker.close(), invitationWorker.close()]);
      for (const connection of workerConnections) connection.disconnect();
    }

    const lost = ['withdrawn', 'failing', 'never', 'reflecting'].map((id) => `Encounter/${id}|${AID}|${GUARDIAN}`);
    expect(await explainLost({ events, invitations }, lost)).toEqual([
      {
        key: lost[0],
        events: 'completed: 1 invitation(s) planned, skipped positieve-gezondheid no-guardian',
        invitation: 'completed: withdrawn path taken (deleted), no Task',
      },
      { key: lost[1], events: 'failed after 1 attempt(s): HTTP 404', invitation: 'never queued' },
      { key: lost[2], events: 'never queued', invitation: 'never queued' },
      {
        key: lost[3],
        events: 'completed: 1 invitation(s) planned, skipped positieve-gezondheid no-guardian',
        invitation: 'delayed (reflection time)',
      },
    ]);
  });
});
