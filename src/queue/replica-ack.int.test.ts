import { AppError } from '../shared/errors.js';
import { connectTestRedis } from '../../test/helpers/redis.js';
import { confirmReplicated } from './replica-ack.js';

/**
 * On the test Redis, which has no replica: asked for none, intake goes on at once; asked for one,
 * it gets a 503 once WAIT gives up, so the sender keeps the notification and retries.
 */
describe('confirmReplicated', () => {
  const redis = connectTestRedis();
  afterAll(() => redis.disconnect());

  it('asks nothing when no replica is required', async () => {
    const started = Date.now();
    await confirmReplicated(redis, 0, 5_000);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('answers 503 (retry) when fewer replicas than required confirm the writes within the timeout', async () => {
    await redis.set(`sdm-test-replica-ack-${process.pid}`, '1', 'PX', 1_000);
    const started = Date.now();
    const error = await confirmReplicated(redis, 1, 200).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ status: 503, retry: true });
    expect((error as Error).message).toContain('0 did');
    expect(Date.now() - started).toBeGreaterThanOrEqual(150); // WAIT waited for its timeout
  });
});
