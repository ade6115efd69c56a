import { DateTime } from 'luxon';
import request from 'supertest';
import type { App } from 'supertest/types.js';
import type { Job } from '../../src/domain/jobs/job.js';
import type { ExecutorOrder } from '../../src/execution/executors/site-executor.js';
import { SiteExecutors } from '../../src/execution/site-executors.js';
import { JobsRepository, SiteFullError } from '../../src/jobs/jobs.repository.js';
import { RedisKeys } from '../../src/redis/redis-keys.js';
import { planAndDispatchAll, segment } from '../support/dispatched-plans.js';
import { siteLog, submit, until } from '../support/execution.js';
import { ALPHA, OPERATOR, startTestApp, type TestApp } from '../support/test-app.js';
import { steppedClock } from '../support/virtual-time.js';

const SITE = 'de-hub'; // 128 GPUs in the test configuration
const start = DateTime.fromISO('2026-03-02T01:00:00Z', { zone: 'utc' });

/** A claim of a start at SITE, as a dispatch worker writes it. */
const claimStart =
  (id: string) =>
  (job: Job): Job => ({
    ...job,
    pendingAction: {
      id: `${id}.start`,
      action: 'start',
      site: SITE,
      planVersion: 1,
      segment: 0,
      since: start.toISO()!,
    },
  });

/**
 * A site never holds more GPUs than it has: a start or resume claims its GPUs in the same atomic step as the job
 * record, and waits while they are taken — above all for the pause of the same plan that frees them.
 */
describe('execution: a start takes its GPUs only when the site has them free', () => {
  let t: TestApp;
  let http: App;
  let jobs: JobsRepository;
  const { clock } = steppedClock(start);

  beforeAll(async () => {
    // No planner: the test's plans are the ones dispatched.
    t = await startTestApp({ clock, roles: 'api,dispatch' });
    http = t.app.getHttpServer();
    jobs = t.app.get(JobsRepository);
  });
  afterAll(() => t?.close());

  const submitAt = (name: string, gpus: number) =>
    submit(http, { name, gpus, runtimeHours: 6, deadline: start.plus({ hours: 30 }).toISO(), sites: [SITE] });

  it('claims made at once by many writers fill the site to its count and no further', async () => {
    const ids = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((name) => submitAt(`fill-${name}`, 32)));
    const outcomes = await Promise.allSettled(
      ids.map((id) => jobs.update(id, claimStart(id), { withinSiteGpus: true })),
    );
    const refused = outcomes.filter((o) => o.status === 'rejected');
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(4);
    expect(refused).toHaveLength(1);
    expect(refused[0].reason).toBeInstanceOf(SiteFullError);
    const held = await jobs.gpusHeldAt(SITE);
    expect([...held.values()].reduce((a, b) => a + b, 0)).toBe(128);

    // One lets go of its claim: the one refused gets in.
    const [first] = [...held.keys()];
    await jobs.update(first, (job) => ({ ...job, pendingAction: undefined }));
    const waiting = ids.find((id) => !held.has(id))!;
    await jobs.update(waiting, claimStart(waiting), { withinSiteGpus: true });
    expect(new Set((await jobs.gpusHeldAt(SITE)).keys())).toEqual(new Set([...held.keys()].slice(1).concat(waiting)));

    // Records stored before the tallies were kept: the tallies are set from them.
    const expected = await jobs.gpusHeldAt(SITE);
    await t.redis.del(t.app.get(RedisKeys).siteGpusHeld(SITE));
    await jobs.syncGpusHeld();
    expect(await jobs.gpusHeldAt(SITE)).toEqual(expected);
    // Cancelled (their claims let go first, as a worker would): they leave the tally and the site's capacity.
    for (const id of ids) {
      await jobs.update(id, (job) => ({ ...job, pendingAction: undefined }));
      await request(http).delete(`/v1/jobs/${id}`).set(ALPHA).expect(200);
    }
    expect((await jobs.gpusHeldAt(SITE)).size).toBe(0);
  });

  it('a start waits for the pause that frees its GPUs', async () => {
    const [runner, waiter] = [await submitAt('runner', 128), await submitAt('waiter', 128)];
    await planAndDispatchAll(t, start, { [runner]: [segment(SITE, start, 6)], [waiter]: [] });
    await until(
      () => jobs.get(runner),
      (job) => job?.state === 'running',
    );

    // Hold the runner's pause at the site until the waiter's start has either gone through (what must not happen)
    // or been refused its GPUs.
    const executor = t.app.get(SiteExecutors).forSite(SITE);
    const perform = executor.perform.bind(executor);
    const update = jobs.update.bind(jobs);
    let waiterStarted = false;
    let waiterRefused = false;
    jobs.update = async (id, change, options) =>
      update(id, change, options).catch((error: Error) => {
        if (id === waiter && error instanceof SiteFullError) waiterRefused = true;
        throw error;
      });
    executor.perform = async (order: ExecutorOrder) => {
      if (order.jobId === waiter && order.action === 'start') waiterStarted = true;
      if (order.jobId === runner && order.action === 'pause')
        await until(
          () => waiterStarted || waiterRefused,
          (either) => either,
        );
      return perform(order);
    };
    try {
      const { sent } = await planAndDispatchAll(t, start, {
        [runner]: [segment(SITE, start.plus({ hours: 3 }), 6)],
        [waiter]: [segment(SITE, start, 6)],
      });
      expect(sent).toEqual({ pause: 1, start: 1 });
      await until(
        () => jobs.get(waiter),
        (job) => job?.state === 'running',
      );
    } finally {
      executor.perform = perform;
      jobs.update = update;
    }
    expect(waiterRefused).toBe(true);
    const log = (await siteLog(t, SITE)).filter((e) => e.jobId === runner || e.jobId === waiter);
    expect(log.map((e) => [e.jobId === runner ? 'runner' : 'waiter', e.action])).toEqual([
      ['runner', 'start'],
      ['runner', 'pause'],
      ['waiter', 'start'],
    ]);
    expect((await jobs.get(runner))!.state).toBe('paused');
    expect(await jobs.gpusHeldAt(SITE)).toEqual(new Map([[waiter, 128]]));
    // Operators see starts held back for GPUs.
    const metrics = (await request(http).get('/metrics').set(OPERATOR).expect(200)).text;
    expect(metrics).toMatch(/^westwind_dispatch_gpu_waits_total\{site="de-hub"\} [1-9]/m);
  }, 60_000);
});
