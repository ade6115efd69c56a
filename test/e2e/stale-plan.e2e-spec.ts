import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { DateTime } from 'luxon';
import type { Job } from '../../src/domain/jobs/job.js';
import type { JobPlan, Segment } from '../../src/domain/planner/plan-types.js';
import { virtualClock } from '../../src/domain/time/clock.js';
import { dispatchQueueName } from '../../src/execution/execution.constants.js';
import type { ExecutorOrder } from '../../src/execution/executors/site-executor.js';
import { SiteExecutors } from '../../src/execution/site-executors.js';
import { JobChanges } from '../../src/jobs/job-changes.js';
import { JobsRepository } from '../../src/jobs/jobs.repository.js';
import { PlanDispatcher } from '../../src/planning/plan-dispatcher.js';
import { PLANNING_QUEUE } from '../../src/planning/planning.constants.js';
import { PlanRepository } from '../../src/plans/plan.repository.js';
import { planningSettled, siteLog, submit, until } from '../support/execution.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const SITE = 'west-hub';

/**
 * A re-plan reads the jobs, plans, then stores its plan; a start claimed in between (under the plan before) is unknown
 * to it. Here that plan is stored by hand, made a minute before the start was claimed, placing the job three hours
 * later as if it were still waiting: it must not pause the job. A plan made after the claim that wants the same is
 * carried out.
 */
describe('execution: a plan made before a start was claimed does not pause it (60 service min per real minute)', () => {
  let t: TestApp;
  let planning: Queue;
  const clock = virtualClock(DateTime.fromISO('2026-03-02T01:00:00Z', { zone: 'utc' }), 60);

  beforeAll(async () => {
    t = await startTestApp({ clock, roles: 'api,planner,dispatch' });
    planning = t.app.get<Queue>(getQueueToken(PLANNING_QUEUE));
  });
  afterAll(async () => {
    await planning?.resume();
    await t?.close();
  });

  /** Stores the current plan again with the job three hours later, as made at `createdAt`; returns its version. */
  async function storeLater(job: Job, createdAt: string): Promise<number> {
    const plans = t.app.get(PlanRepository);
    const meta = (await plans.meta())!;
    const part = (await plans.jobPlan(job.id))!;
    const later = (s: Segment): Segment => ({
      ...s,
      startHour: s.startHour + 3,
      endHour: s.endHour + 3,
      start: DateTime.fromISO(s.start).plus({ hours: 3 }).toUTC().toISO()!,
      end: DateTime.fromISO(s.end).plus({ hours: 3 }).toUTC().toISO()!,
    });
    const moved: JobPlan = { ...part, segments: part.segments.map(later), reason: 'starts later' };
    const { start, hours, totals } = meta;
    const plan = { start, hours, totals, strategy: 'westwind' as const, jobs: [moved], load: (await plans.load())! };
    return plans.save(plan, createdAt, 'stored by the test', (await plans.summary())!);
  }

  /** The same, dispatched; returns the id of the pause it sends. */
  async function storeAndDispatch(job: Job, createdAt: string): Promise<string> {
    const version = await storeLater(job, createdAt);
    const moved = (await t.app.get(PlanRepository).jobPlan(job.id))!;
    await t.app.get(PlanDispatcher).dispatchPlan(version, [moved], [job]);
    return `${job.id}.v${version}.s0.pause`;
  }

  /** The outcome of the dispatch command with this id, once a worker has finished it. */
  async function outcome(commandId: string): Promise<string> {
    const queue = t.app.get<Queue>(getQueueToken(dispatchQueueName(SITE)));
    const finished = await until(
      async () => queue.getJob(commandId),
      (job) => job !== undefined && (job.finishedOn ?? 0) > 0,
      30_000,
    );
    return (finished!.returnvalue as { outcome: string }).outcome;
  }

  it('skips the stale plan’s pause; carries out the same pause from a plan made after the claim', async () => {
    const http = t.app.getHttpServer();
    const id = await submit(http, {
      name: 'started-under-the-plan-before',
      runtimeHours: 6,
      deadline: clock.now().plus({ hours: 20 }).toISO(),
      deferrable: false,
      sites: [SITE],
    });
    const jobs = t.app.get(JobsRepository);
    const running = await until(
      () => jobs.get(id),
      (job) => job?.state === 'running' && job.lastAction?.action === 'start',
    );
    await planningSettled(t);
    await planning.pause();
    await planning.drain();
    const claimedAt = DateTime.fromISO(running!.lastAction!.since);

    const stale = await storeAndDispatch(running!, claimedAt.minus({ minutes: 1 }).toUTC().toISO()!);
    expect(await outcome(stale)).toBe('skipped');
    expect((await jobs.get(id))!.state).toBe('running');
    expect((await siteLog(t, SITE)).filter((e) => e.jobId === id).map((e) => e.action)).toEqual(['start']);

    const fresh = await storeAndDispatch((await jobs.get(id))!, clock.now().toUTC().toISO());
    expect(await outcome(fresh)).toBe('done');
    expect((await jobs.get(id))!.state).toBe('paused');
  }, 90_000);

  it('does not pause a start a plan stored while the site started it did not know of; asks to re-plan', async () => {
    await planning.resume();
    const jobs = t.app.get(JobsRepository);
    const executor = t.app.get(SiteExecutors).forSite(SITE);
    const perform = executor.perform.bind(executor);
    let staleVersion: number | undefined;
    const announced: string[] = [];
    const stopListening = t.app
      .get(JobChanges)
      .listen((change) => void (change.change === 'off plan' && announced.push(change.jobId)));
    // Between the claim and the record of this job's start: the planner stores a plan it read before the claim.
    executor.perform = async (order: ExecutorOrder) => {
      const job = await jobs.get(order.jobId);
      if (order.action === 'start' && job?.name === 'raced' && staleVersion === undefined) {
        // No re-plan from here on, none under way: the plan stored next stays the current one.
        await planning.pause();
        await until(
          () => planning.getActiveCount(),
          (active) => active === 0,
        );
        const claimedAt = DateTime.fromISO(job.pendingAction!.since);
        staleVersion = await storeLater(job, claimedAt.minus({ minutes: 1 }).toUTC().toISO()!);
      }
      return perform(order);
    };
    const id = await submit(t.app.getHttpServer(), {
      name: 'raced',
      runtimeHours: 6,
      deadline: clock.now().plus({ hours: 20 }).toISO(),
      deferrable: false,
      sites: [SITE],
    });
    // The record announces the job off its plan once past its follow-up (the planner re-plans on it).
    await until(
      () => announced.includes(id),
      (seen) => seen,
    );
    expect(staleVersion).toBeDefined();
    expect((await jobs.get(id))!.state).toBe('running');
    const dispatch = t.app.get<Queue>(getQueueToken(dispatchQueueName(SITE)));
    expect(await dispatch.getJob(`${id}.v${staleVersion}.s0.pause`)).toBeUndefined();
    expect((await jobs.get(id))!.history.at(-1)!.reason).toMatch(/^plan \d+$/);
    executor.perform = perform;
    stopListening();
    await planning.resume();
  }, 90_000);
});
