import type { Redis } from 'ioredis';
import { DateTime } from 'luxon';
import { virtualClock } from '../../src/domain/time/clock.js';
import type { ExecutorOrder, JobEvent } from '../../src/execution/executors/site-executor.js';
import { SimulatedExecutor } from '../../src/execution/executors/simulated/simulated.executor.js';
import { RedisKeys } from '../../src/redis/redis-keys.js';
import { connectTestRedis, deleteKeys, testPrefix } from '../support/test-app.js';

describe('simulated site (real Redis)', () => {
  const prefix = testPrefix();
  const keys = new RedisKeys(prefix);
  const start = DateTime.fromISO('2026-03-02T01:00:00Z');
  const clock = virtualClock(start, 1);
  let redis: Redis;
  beforeAll(async () => (redis = await connectTestRedis()));
  afterAll(async () => {
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });

  const order = (n: number): ExecutorOrder => ({
    actionId: `job-${n}.v1.s0.start`,
    action: 'start',
    jobId: `job-${n}`,
    site: 'west-hub',
    planVersion: 1,
    segment: 0,
    job: { name: `job-${n}`, gpus: 8, runtimeHours: 2, doneHours: 0, checkpointMinutes: 10 },
    at: clock.now().toISO(),
  });

  it('acts on each action once and keeps only its latest action ids and log lines', async () => {
    const site = new SimulatedExecutor('west-hub', redis, keys, clock, 3);
    for (let n = 1; n <= 5; n++) await site.perform(order(n));
    await site.perform(order(5)); // a retry of a recent action changes nothing
    expect((await site.log()).map((e) => e.jobId)).toEqual(['job-3', 'job-4', 'job-5']);
    expect(await redis.zcard(keys.simulatedSiteActions('west-hub'))).toBe(3);
    expect(Object.keys(await redis.hgetall(keys.simulatedSite('west-hub'))).sort()).toEqual([
      'job-1',
      'job-2',
      'job-3',
      'job-4',
      'job-5',
    ]);
  });

  it('reports a completion only once it has happened, never dated ahead of the clock', async () => {
    // A resume of a job whose work was done when it paused (the pause came just as it finished): it restores its
    // checkpoint for 10 minutes, holding its GPUs, and completes then.
    let realMs = 0;
    const manual = virtualClock(start, 1, () => realMs);
    const site = new SimulatedExecutor('east-hub', redis, keys, manual);
    const reports: { jobId: string; event: JobEvent; now: string }[] = [];
    const sink = {
      report: (_site: string, jobId: string, event: JobEvent) => {
        reports.push({ jobId, event, now: manual.now().toISO() });
        return Promise.resolve(true);
      },
    };
    const resume: ExecutorOrder = {
      ...order(9),
      actionId: 'job-9.v2.s1.resume',
      action: 'resume',
      site: 'east-hub',
      job: { ...order(9).job, doneHours: 2 },
    };
    await site.perform(resume);
    realMs = 5 * 60_000;
    await site.tick(sink);
    expect(reports).toEqual([]);
    realMs = 11 * 60_000;
    await site.tick(sink);
    expect(reports).toEqual([
      { jobId: 'job-9', event: { type: 'completed', at: '2026-03-02T01:10:00.000Z' }, now: '2026-03-02T01:11:00.000Z' },
    ]);
  });
});
