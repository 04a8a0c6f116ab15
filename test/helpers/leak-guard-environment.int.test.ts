import { createServer } from 'node:net';
import { connectTestRedis } from './redis.js';
import { countWatched, leftAfterGrace, leftSince } from './leak-guard-environment.js';

/** The leak guard sees what a test leaves running, and nothing once it is closed. */
describe('leak guard', () => {
  it('names a listening server until it is closed', async () => {
    const before = countWatched();
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    expect(leftSince(before)).toEqual(['TCPServerWrap ×1']);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    expect(await leftAfterGrace(before)).toEqual([]);
  });

  it('names a Redis connection until it is closed', async () => {
    const before = countWatched();
    const redis = connectTestRedis();
    await redis.ping();
    expect(leftSince(before)).toEqual(['TCPSocketWrap ×1']);
    await redis.quit();
    expect(await leftAfterGrace(before)).toEqual([]);
  });
});

describe('leak guard after the grace period', () => {
  it('still names a server the file forgot to close', async () => {
    const before = countWatched();
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      // What teardown sees when a file forgot to close its server: still there after the grace period.
      expect(await leftAfterGrace(before, 200)).toEqual(['TCPServerWrap ×1']);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
