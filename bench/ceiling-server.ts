/**
 * The ceiling for an HTTP intake on this stack: a bare Express endpoint that does nothing but
 * BullMQ `queue.add` on the same Redis. Westwind's intake is measured against it.
 */
import { Queue } from 'bullmq';
import express from 'express';
import { Redis } from 'ioredis';

const port = Number(process.env.PORT ?? 3901);
const connection = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
const queue = new Queue('ceiling-intake', { connection, prefix: process.env.WESTWIND_PREFIX ?? 'bench-ceiling' });

const app = express();
app.use(express.json({ limit: '1mb' }));
app.post('/v1/jobs', async (req, res) => {
  const job = await queue.add('submit', req.body);
  res.status(201).json({ id: job.id });
});
app.listen(port, '127.0.0.1', () => console.log(`ceiling listening on ${port}`));
