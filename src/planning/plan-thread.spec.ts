import { plan } from '../domain/planner/plan.js';
import type { PlanInput } from '../domain/planner/plan-types.js';
import { at, planJob, planSite, PLAN_START as start } from '../../test/support/planner-fixtures.js';
import { ISSUE_POWER_CURVE } from '../../test/support/power-curves.js';
import { PlanThread } from './plan-thread.js';

/** 400 jobs over two days at two sites with green supply in the night: a plan that takes a while. */
function input(): PlanInput {
  const green = Array.from({ length: 48 }, (_, h) => (h % 24 < 8 ? 0.5 : 0.05));
  const peak = Array.from({ length: 48 }, (_, h) => (h % 24 >= 17 && h % 24 < 22 ? 1 : 0));
  return {
    start,
    now: start.plus({ minutes: 20 }),
    hours: 48,
    sites: [planSite('west', green, peak, { capsPower: true }), planSite('east', green.slice().reverse(), peak)],
    jobs: Array.from({ length: 400 }, (_, k) =>
      planJob(`j${k}`, {
        gpus: 1 + (k % 16),
        remainingHours: 1 + (k % 7),
        earliestStart: at(k % 12),
        deadline: at(Math.min(48, 20 + (k % 28))),
        submittedAt: at(-1),
        ...(k % 3 === 0 ? { power: ISSUE_POWER_CURVE } : {}),
        ...(k % 10 === 0 ? { state: 'running' as const, currentSite: 'west', runningSince: at(-2) } : {}),
      }),
    ),
  };
}

describe('PlanThread: plan() on a worker thread', () => {
  const thread = new PlanThread();
  afterAll(() => thread.onModuleDestroy());

  it('returns the plan the same input gives in this thread (instants and typed arrays carried over)', async () => {
    const given = input();
    expect(await thread.plan(given)).toEqual(plan(given));
  });

  it('does not hold the event loop while it plans', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    try {
      // Planned here, the timer could not fire before the plan's promise settles (a microtask); on the thread it does.
      await thread.plan(input());
    } finally {
      clearInterval(timer);
    }
    expect(ticks).toBeGreaterThan(0);
  });

  it('takes plans one at a time, each answered with its own', async () => {
    const small = { ...input(), jobs: input().jobs.slice(0, 5) };
    const [a, b] = await Promise.all([thread.plan(input()), thread.plan(small)]);
    expect(a.jobs).toHaveLength(400);
    expect(b.jobs.map((j) => j.jobId)).toEqual(['j0', 'j1', 'j2', 'j3', 'j4']);
  });
});
