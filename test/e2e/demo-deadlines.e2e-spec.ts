import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { DateTime } from 'luxon';
import { DemoConfig } from '../../src/config/westwind-config.js';
import { DemoService } from '../../src/demo/demo.service.js';
import type { Job } from '../../src/domain/jobs/job.js';
import { DispatchQueues } from '../../src/execution/dispatch-queues.js';
import { SimulatedSites } from '../../src/execution/simulated-sites.service.js';
import { JobsRepository } from '../../src/jobs/jobs.repository.js';
import { PLANNING_QUEUE } from '../../src/planning/planning.constants.js';
import { PlanningService } from '../../src/planning/planning.service.js';
import { PlanRepository } from '../../src/plans/plan.repository.js';
import { until } from '../support/execution.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { steppedClock } from '../support/virtual-time.js';

/** Simulated hours the demo runs, and the clock's steps within each (the sites report at every step). */
const HOURS = 48;
const STEPS_PER_HOUR = 4;

/** Every job the demo's tenant submitted (and the planner accepted), in pages. */
async function demoJobs(jobs: JobsRepository, tenant: string): Promise<Job[]> {
  const all: Job[] = [];
  let after: string | undefined;
  do {
    const page = await jobs.page(tenant, undefined, 500, after);
    all.push(...page.jobs);
    after = page.after;
  } while (after);
  return all;
}

const finishOf = (job: Job) => DateTime.fromISO(job.history.at(-1)!.at);

/**
 * Issue #17's live measure as a test: the shipped demo (config/westwind.yaml — its sites, zones, job stream and
 * replayed forecasts) run for two simulated days by the real service: API, planner and dispatch on Redis, BullMQ queues
 * and the simulated sites. The clock moves only when the test moves it (a quarter hour at a time), so no result depends
 * on how fast this machine plans: after each step the sites report, a re-plan runs at the new time and its actions are
 * carried out before the clock moves on — as on a running clock whose re-plans keep up. The demo's forecasts are the
 * actual series and it sends no grid event, so nothing changes after a job's acceptance that could excuse a miss.
 */
describe('the shipped demo, two simulated days on a stepped clock', () => {
  // 14:00 in Shanghai, as the demo starts: the evening peak comes within hours.
  const { clock, advance } = steppedClock(DateTime.fromISO('2026-03-02T06:00:00Z', { zone: 'utc' }));
  let t: TestApp;
  let jobs: Job[];
  let submitted: number;

  /**
   * Until no re-plan runs or waits (the planner's rest after one is not waited out: the next step's request is urgent)
   * and every action sent has been carried out.
   */
  const settled = async () => {
    const queues = [t.app.get<Queue>(getQueueToken(PLANNING_QUEUE)), ...t.app.get(DispatchQueues).all()];
    await until(
      async () => {
        const counts = await Promise.all(queues.map((q) => q.getJobCounts('waiting', 'active', 'prioritized')));
        return counts.reduce((n, c) => n + c.waiting + c.active + c.prioritized, 0);
      },
      (pending) => pending === 0,
      60_000,
    );
  };

  beforeAll(async () => {
    t = await startTestApp({
      configPath: 'config/westwind.yaml',
      clock,
      roles: 'api,planner,dispatch',
      configure: (config) => {
        // The test calls the demo's hour itself (its own timer, an hour of real time at 1×, never fires).
        config.demo!.speed = 1;
        // The price guide is solved on the real clock's pace (a minute apart): off, so every run plans alike.
        config.planner.priceGuideMaxJobs = 0;
      },
    });
    const demo = t.app.get(DemoService);
    const sites = t.app.get(SimulatedSites);
    const planning = t.app.get(PlanningService);
    const plans = t.app.get(PlanRepository);
    for (let step = 1; step <= HOURS * STEPS_PER_HOUR; step++) {
      advance(1 / STEPS_PER_HOUR);
      await sites.tick();
      if (step % STEPS_PER_HOUR === 0) await demo.hour();
      const before = (await plans.meta())?.version ?? 0;
      await planning.requestUrgentReplan(`the test moved the clock to ${clock.now().toISO()}`);
      await until(
        async () => (await plans.meta())?.version ?? 0,
        (version) => version > before,
        60_000,
      );
      await settled();
    }
    const { tenant, jobsPerHour } = t.app.get(DemoConfig);
    submitted = HOURS * jobsPerHour;
    jobs = await demoJobs(t.app.get(JobsRepository), tenant);
  }, 1_200_000);
  afterAll(() => t?.close());

  it('accepted most of the demo’s jobs and completed hundreds of them', () => {
    expect(jobs.length).toBeGreaterThan(submitted / 2);
    expect(jobs.filter((j) => j.state === 'completed').length).toBeGreaterThan(200);
  });

  it('finishes every completed job by its deadline, and has none still unfinished past it', () => {
    const now = clock.now();
    const late = jobs.filter((j) =>
      j.state === 'completed' ? finishOf(j) > DateTime.fromISO(j.deadline) : DateTime.fromISO(j.deadline) < now,
    );
    expect(late.map((j) => ({ id: j.id, state: j.state, deadline: j.deadline, last: j.history.at(-1) }))).toEqual([]);
  });

  it('pauses at most once per completed job on average', () => {
    const completed = jobs.filter((j) => j.state === 'completed');
    const pauses = completed.reduce((n, j) => n + j.history.filter((h) => h.to === 'paused').length, 0);
    expect(pauses / completed.length).toBeLessThanOrEqual(1);
  });
});
