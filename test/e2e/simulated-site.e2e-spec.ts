import type { Redis } from 'ioredis';
import { DateTime } from 'luxon';
import { virtualClock } from '../../src/domain/time/clock.js';
import type { ExecutorOrder } from '../../src/execution/executors/site-executor.js';
import { SimulatedExecutor } from '../../src/execution/executors/simulated/simulated.executor.js';
import { RedisKeys } from '../../src/redis/redis-keys.js';
import { connectTestRedis, deleteKeys, testPrefix } from '../support/test-app.js';

describe('simulated site (real Redis)', () => {
  const prefix = testPrefix();
  const keys = new RedisKeys(prefix);
  const clock = virtualClock(DateTime.fromISO('2026-03-02T01:00:00Z'), 1);
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
});
