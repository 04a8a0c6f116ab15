import type { RedisConnection } from '../queue/redis-connection.js';
import type { Queues } from '../queue/create-queues.js';
import { jobIdFor } from '../queue/job-id.js';
import { jobsExist } from '../queue/jobs-exist.js';
import type { Metrics } from '../shared/metrics.js';
import type { EpdEvent } from './epd-event.js';

/**
 * One events job per event, id from the event key: a redelivered event is accepted and not queued
 * again. With metrics, each event is counted as received and, when its job already existed, as a duplicate.
 */
export async function enqueueEvents(
  queues: Pick<Queues, 'events'>,
  events: EpdEvent[],
  count?: { metrics: Metrics; redis: RedisConnection },
): Promise<void> {
  if (events.length === 0) return;
  const jobs = events.map((e) => ({ name: e.resourceType, data: e, opts: { jobId: jobIdFor('evt', e.eventKey) } }));
  const metrics = count?.metrics;
  const [existed] = await Promise.all([
    count
      ? jobsExist(
          count.redis,
          queues.events,
          jobs.map((job) => job.opts.jobId),
        )
      : [],
    // One event (the usual notification) as a plain add: addBulk wraps even one job in a pipeline, which costs more than the add.
    jobs.length === 1 ? queues.events.add(jobs[0]!.name, jobs[0]!.data, jobs[0]!.opts) : queues.events.addBulk(jobs),
  ]);
  events.forEach(({ source, shape }, index) => {
    metrics?.eventsReceived.inc({ source, shape });
    if (existed[index]) metrics?.eventsDuplicate.inc({ source, shape });
  });
}
