import type { JobPlan, Plan, PlanTotals } from './plan-types.js';
import { LATE_RISK_THRESHOLD } from './lateness-risk.js';
import { summarisePlan } from './plan-summary.js';

const part = (jobId: string, segments: [string, number, number][], meetsDeadline = true): JobPlan => ({
  jobId,
  segments: segments.map(([site, startHour, endHour]) => ({ site, startHour, endHour, start: '', end: '' })),
  meetsDeadline,
  pauses: 0,
  peakHours: 0,
  peakMwh: 0,
  reason: '',
});

describe('summarisePlan', () => {
  const plan: Plan = {
    start: '2026-03-02T00:00:00.000Z',
    hours: 4,
    strategy: 'westwind',
    totals: {} as PlanTotals,
    load: { a: [], b: [] },
    jobs: [
      part('run', [
        ['a', 0, 2],
        ['b', 3, 4],
      ]),
      part('wait', [['a', 1, 3]], false),
      part('pause', [['b', 2, 9]]),
      part('gone', [['a', 0, 4]]),
    ],
  };
  const jobs = new Map([
    ['run', { state: 'running' as const, gpus: 2 }],
    ['wait', { state: 'scheduled' as const, gpus: 1 }],
    ['pause', { state: 'paused' as const, gpus: 4 }],
  ]);
  const summary = summarisePlan(plan, jobs, (gpus, site) => gpus * (site === 'a' ? 1 : 10));

  it("stacks each job's planned power on its sites' hours by the job's state, within the horizon", () => {
    expect(summary.loadByState.a).toMatchObject({ running: [2, 2, 0, 0], paused: [0, 0, 0, 0], waiting: [0, 1, 1, 0] });
    expect(summary.loadByState.b).toMatchObject({
      running: [0, 0, 0, 20],
      paused: [0, 0, 40, 40],
      waiting: [0, 0, 0, 0],
    });
  });

  it('counts a capped segment at its capped power, and what the cap takes off', () => {
    const capped = summarisePlan(
      {
        ...plan,
        jobs: [
          {
            ...part('run', [['a', 0, 2]]),
            segments: [{ ...part('run', [['a', 0, 2]]).segments[0], powerFraction: 0.7 }],
          },
        ],
      },
      jobs,
      (gpus) => gpus * 10,
    );
    expect(capped.loadByState.a.running.map((mw) => Math.round(mw * 1000) / 1000)).toEqual([14, 14, 0, 0]);
    expect(capped.loadByState.a.cappedOff.map((mw) => Math.round(mw * 1000) / 1000)).toEqual([6, 6, 0, 0]);
  });

  it('lists the jobs planned past their deadline, and ignores plan parts of jobs no longer known', () => {
    expect(summary.late).toEqual({ count: 1, jobs: ['wait'] });
  });

  it('counts the jobs whose late risk is at least LATE_RISK_THRESHOLD', () => {
    const risks: Record<string, number> = { run: LATE_RISK_THRESHOLD, wait: 1, pause: 0.049, gone: 0.5 };
    const risked = summarisePlan(
      { ...plan, jobs: plan.jobs.map((p) => ({ ...p, lateRisk: risks[p.jobId] })) },
      jobs,
      () => 1,
    );
    expect(risked.lateRisk).toEqual({ threshold: LATE_RISK_THRESHOLD, count: 2, jobs: ['run', 'wait'] });
    // Plan parts without a risk (stored before it was computed) count as none.
    expect(summary.lateRisk).toEqual({ threshold: LATE_RISK_THRESHOLD, count: 0, jobs: [] });
  });
});
