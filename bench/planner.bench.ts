/**
 * npm run bench:planner — the planner on real data (OPSD 2019 control areas, Microsoft ITP jobs):
 * fifo, peak-pause and westwind against the LP bound, then planning speed at scale. Writes
 * bench/results/planner.json. Times are wall-clock on this machine (2 cores, shared); the
 * ratios to the LP bound are the comparable figures.
 */
import { DateTime } from 'luxon';
import { mkdirSync, writeFileSync } from 'node:fs';
import { readItpTrace } from '../src/datasets/itp-trace.js';
import { readOpsdZones } from '../src/datasets/opsd.js';
import { realDataInstance, scaledTrace } from '../src/datasets/planning-instance.js';
import { lpBound } from '../src/domain/planner/lp-bound.js';
import { plan, planWithNewJob } from '../src/domain/planner/plan.js';
import type { Plan, PlanInput, Strategy } from '../src/domain/planner/plan-types.js';

const FROM = DateTime.fromISO('2019-03-07T00:00:00Z', { zone: 'utc' }); // a Thursday, like the trace's first day
const WEEK = 168;

function timed<T>(fn: () => T): { value: T; ms: number } {
  const started = performance.now();
  const value = fn();
  return { value, ms: performance.now() - started };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;

function figures(p: Plan, planMs: number) {
  const t = p.totals;
  return {
    totalMwh: round(t.energyMwh), greenMwh: round(t.greenMwh), gridMwh: round(t.gridMwh), peakGridMwh: round(t.peakGridMwh),
    greenShare: round(t.greenMwh / t.energyMwh), objective: round(t.objective), deadlineMisses: t.deadlineMisses, pauses: t.pauses,
    deferrablePeakHours: t.deferrablePeakHours, planMs: round(planMs, 1),
  };
}

async function main(): Promise<void> {
  // 1. Quality on real data: one week, four zones with one 256-GPU site each, cluster04's first 5 days.
  const zones = readOpsdZones(FROM, WEEK);
  const trace = readItpTrace('data/itp-traces/cluster04.csv').filter((t) => t.submitSeconds < 5 * 86400);
  const { input, excluded } = realDataInstance({ zones, trace, sitesPerZone: 1, gpusPerSite: 256 });
  console.log(`real-data instance: ${input.jobs.length} jobs (${excluded} left out: deadline past the week), ${input.sites.length} sites, ${WEEK} h`);

  const strategies: Record<string, ReturnType<typeof figures> & Record<string, unknown>> = {};
  const plans: Partial<Record<Strategy, Plan>> = {};
  for (const strategy of ['fifo', 'peak-pause', 'westwind'] as const) {
    const runs = [0, 1, 2].map(() => timed(() => plan({ ...input, options: { strategy } })));
    plans[strategy] = runs[0].value;
    strategies[strategy] = figures(runs[0].value, median(runs.map((r) => r.ms)));
  }
  const bound = await lpBound(input, plans.westwind!);
  strategies.lp = {
    totalMwh: round(bound.energyMwh), greenMwh: round(bound.greenMwh), gridMwh: round(bound.gridMwh), peakGridMwh: round(bound.peakGridMwh),
    greenShare: round(bound.greenMwh / bound.energyMwh), objective: round(bound.objective), deadlineMisses: bound.unmetWorkHours > 1e-6 ? NaN : 0,
    pauses: 0, deferrablePeakHours: round(bound.deferrablePeakHours, 2), planMs: round(bound.solveMs, 1), variables: bound.variables, unmetWorkHours: round(bound.unmetWorkHours),
  };
  const w = plans.westwind!.totals;
  const vsLp = {
    objectiveGapShareOfEnergy: round((w.objective - bound.objective) / w.energyMwh, 4),
    greenRatio: round(w.greenMwh / bound.greenMwh, 4),
    targets: { objectiveGapShareOfEnergy: '<= 0.02', greenRatio: '>= 0.97', deadlineMisses: 0 },
  };
  console.table(strategies);
  console.log('westwind vs LP bound:', vsLp);

  // 2. Speed: 10,000 and 100,000 jobs over 168 h and 8 sites (2 per zone), trace jobs resampled.
  const scale = (count: number, gpusPerSite: number) => {
    const jobs = scaledTrace(readItpTrace('data/itp-traces/cluster04.csv').filter((t) => t.durationSeconds < 48 * 3600), count, 5 * 86400, 42);
    return realDataInstance({ zones, trace: jobs, sitesPerZone: 2, gpusPerSite }).input;
  };
  const measure = (instance: PlanInput, runs: number) => median(Array.from({ length: runs }, () => timed(() => plan(instance)).ms));
  const tenK = scale(10_000, 4096);
  const jobs10k = measure(tenK, 5);
  const hundredK = scale(100_000, 40_960);
  const jobs100k = measure(hundredK, 3);
  const base = plan(tenK);
  const newcomer = { ...tenK.jobs[17], id: 'new-job', earliestStart: tenK.start.plus({ hours: 30 }), submittedAt: tenK.start.plus({ hours: 30 }) };
  const incremental = median(Array.from({ length: 25 }, () => timed(() => planWithNewJob(base, tenK, newcomer)).ms));
  const scaleFigures = {
    jobs10k_ms: round(jobs10k, 1), jobs100k_ms: round(jobs100k, 1), incremental_ms: round(incremental, 2),
    jobs10k_placed: tenK.jobs.length, jobs100k_placed: hundredK.jobs.length,
    targets: { jobs10k_ms: '<= 500', jobs100k_ms: '<= 8000', incremental_ms: '<= 25' },
  };
  console.log('scale:', scaleFigures);

  const result = {
    measuredAt: DateTime.utc().toISO(),
    instance: { from: FROM.toISO(), hours: WEEK, sites: input.sites.length, gpusPerSite: 256, jobs: input.jobs.length, excludedJobs: excluded, trace: 'data/itp-traces/cluster04.csv, first 5 days' },
    strategies,
    westwindVsLp: vsLp,
    scale: scaleFigures,
  };
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/planner.json', JSON.stringify(result, null, 2) + '\n');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
