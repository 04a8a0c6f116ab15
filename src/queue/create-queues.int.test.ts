import { randomUUID } from 'node:crypto';
import { readQueueSettings } from '../config/read-queue-settings.js';
import { createQueues } from './create-queues.js';
import { createRedisConnection } from './redis-connection.js';
import { TEST_REDIS_URL } from '../../test/helpers/redis.js';

describe('createQueues', () => {
  it('gives each queue its own attempts, backoff and retention', async () => {
    const redis = createRedisConnection(TEST_REDIS_URL, 'worker');
    const settings = readQueueSettings({ INVITATION_ATTEMPTS: '20', EVENT_RETAIN_COMPLETED_SECONDS: '60' }, []);
    const queues = createQueues(redis, { queuePrefix: `sdm-test-${randomUUID().slice(0, 8)}`, queues: settings });
    try {
      expect(queues.invitations.defaultJobOptions).toMatchObject({ attempts: 20, backoff: { delay: 30_000 } });
      expect(queues.events.defaultJobOptions).toMatchObject({
        attempts: 12,
        removeOnComplete: { age: 60, count: 100_000 },
      });
      expect(queues.results.defaultJobOptions).toMatchObject({ attempts: 12, removeOnFail: { age: 2_592_000 } });
    } finally {
      await queues.close();
      redis.disconnect();
    }
  });
});
