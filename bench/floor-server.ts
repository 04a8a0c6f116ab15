import { Queue } from 'bullmq';
import express from 'express';
import { Redis } from 'ioredis';

/**
 * The floor: the least any intake on this stack must do. A bare express handler that parses the
 * JSON body, adds one job to a BullMQ queue on the same Redis, and answers 202. Started as its own
 * process by the bench (PORT, REDIS_URL, QUEUE_PREFIX), like the API it is compared with.
 */
const port = Number(process.env.PORT);
const connection = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', {
  maxRetriesPerRequest: 1,
  enableOfflineQueue: false,
});
const queue = new Queue('floor', { connection, prefix: process.env.QUEUE_PREFIX ?? 'sdm-bench-floor' });

const app = express();
app.disable('x-powered-by');
app.get('/healthz', (_req, res) => {
  res.json({ status: 'ok' });
});
app.post(
  '/notify',
  express.json({ type: ['application/json', 'application/fhir+json'], limit: '5mb' }),
  async (req, res) => {
    const body = req.body as { id?: string; entry?: unknown[] };
    await queue.add('notification', { bundle: body.id ?? '', entries: body.entry?.length ?? 0 });
    res.status(202).json({ accepted: true });
  },
);
const server = app.listen(port, '127.0.0.1');

process.on('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  void queue.close().then(() => connection.disconnect());
});
