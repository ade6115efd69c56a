/**
 * The planner benchmark's suite (docs/planner-benchmark.md): instances built from the bundled data
 * by the rules of src/datasets/planning-instance.ts, each planned by fifo and westwind and compared
 * with the LP bound; rolling replays of the reference week and of a month, with perfect and 5%
 * forecasts; small slices solved exactly (MIP). Used by bench/planner.bench.ts.
 */
import { DateTime } from 'luxon';
import { PlannerConfig } from '../src/config/westwind-config.js';
import { readItpTrace } from '../src/datasets/itp-trace.js';
import { readOpsdZones } from '../src/datasets/opsd.js';
import {
  exactSlice,
  KW_PER_GPU,
  MONTH,
  pauseOnly,
  PUE,
  SUITE,
  SUITE_FROM,
  suiteInstance,
} from '../src/datasets/planning-instance.js';
import type { EnergyTotals } from '../src/domain/energy/energy-meter.js';
import { jobPowerMw } from '../src/domain/energy/power.js';
import type { Job } from '../src/domain/jobs/job.js';
import { exactPlan } from '../src/domain/planner/exact-plan.js';
import { lpBound, LpBound } from '../src/domain/planner/lp-bound.js';
import { planCost } from '../src/domain/planner/objective.js';
import { plan } from '../src/domain/planner/plan.js';
import type { Plan, PlanInput } from '../src/domain/planner/plan-types.js';
import type { ForecastErrorModel } from '../src/replay/forecast-error.js';
import { replayStrategy, ReplayWorld } from '../src/replay/rolling-replay.js';
import { replayWorldOf } from '../src/replay/suite-world.js';

const PEAK_WEIGHT = 10;
const round = (x: number, digits = 3) => (Number.isFinite(x) ? Math.round(x * 10 ** digits) / 10 ** digits : null);
/** The planner's objective (green): grid energy, peak-hour grid energy counted `PEAK_WEIGHT` times. */
const objectiveOf = (t: EnergyTotals) => t.gridMwh + (PEAK_WEIGHT - 1) * t.peakGridMwh;

/** One row of `suite` in bench/results/planner.json. */
export interface SuiteRow {
  name: string;
  /** Set where a row was re-measured after the rest of the suite (BENCH_EXACT_ONLY). */
  measuredAt?: string;
  kind: 'static' | 'rolling replay' | 'exact slice';
  description: string;
  forecastError?: number;
  /** How the forecast errors are drawn (rolling replays): flat noise redrawn each hour, or `ForecastErrorModel`. */
  forecastErrorModel?: 'flat' | 'lead-dependent';
  /** Rolling replays of jobs announced ahead: each submitted this many hours before it may start. */
  announcedHours?: number;
  jobs: number;
  sites: string;
  hours: number;
  fifoGridMwh: number | null;
  westwindGridMwh: number | null;
  lpGridMwh: number | null;
  fifoObjective: number | null;
  westwindObjective: number | null;
  lpObjective: number | null;
  /** (fifo − westwind) / (fifo − LP) in the weighted objective (grid + 9 × peak grid). */
  capturedShare: number | null;
  /** The same in grid MWh alone. */
  capturedShareGrid: number | null;
  greenShareOfLp: number | null;
  pausesPerJob: number | null;
  checkpointEnergyShare: number | null;
  deadlineMisses: number;
  fifoDeadlineMisses: number;
  /** westwind's site-hours above the site's GPU count (must be 0; found 83 in the week's replay before aab7778). */
  overbookedSiteHours: number;
  /** Hours deferrable jobs hold GPUs in peak hours (job-hours; static plans and the LP only): the peak rule's price. */
  westwindDeferrablePeakHours: number | null;
  lpDeferrablePeakHours: number | null;
  /** Their energy at full power, MWh: what the peak rule prices (static plans and the LP only). */
  westwindDeferrablePeakMwh: number | null;
  lpDeferrablePeakMwh: number | null;
  /**
   * westwind's plan (static: the fastest of `planMsWarm`; replay: mean per re-plan), ms. Built code (tsc,
   * `npm run bench:build`): under tsx every closure is wrapped to keep its name, which made the reference week's plan
   * 1.6–2× slower.
   */
  planMs: number | null;
  /** Static: the first plan() in the process, before V8 has optimised the planner (as a new planner thread's). */
  planMsFirst?: number | null;
  /**
   * Static: three more plan()s of the instance, the code warm (as a planner thread that has planned before). The same
   * code on this shared 2-core machine times 1.6–2.6 s on the reference week from one run to the next: the fastest of
   * three is the figure least moved by what else the machine runs.
   */
  planMsWarm?: number[];
  lpMs: number | null;
  /** Exact slices only: (westwind − exact) / exact, weighted objective (grid + 9 × peak grid). */
  mipGapShare?: number | null;
  /**
   * Exact slices only: westwind's deferrable peak MWh (at full power) − the exact plan's. Both
   * minimise these first (the peak rule's penalty), so a plan with more is worse whatever its grid energy.
   */
  peakMwhAboveExact?: number | null;
  /**
   * Exact slices only: westwind planned on the MIP's rules, without the deadline margin it keeps as insurance
   * against forecast error (`deadlineMarginHours: 0`; the MIP has none), against the same exact plan: how close
   * its placement itself comes. The row's other westwind figures are the shipped planner's (2 h margin).
   */
  sameRules?: {
    objective: number | null;
    mipGapShare: number | null;
    peakMwhAboveExact: number | null;
    pauses: number;
  };
  exact?: Record<string, unknown>;
  /**
   * Static instances: westwind guided by the LP's GPU-hour prices (`PlanGuide`, from the LP solved for the bound), its
   * figures against the same fifo and LP; the plan kept is the better of guided and unguided placement.
   */
  guided?: ReturnType<typeof compare> | null;
  /**
   * Instances with power curves (flexible-jobs, #20): the same jobs planned without their curves
   * (pause-only), and westwind's figures against them.
   */
  flexibleJobs?: number;
  westwindPauses?: number;
  /** Job-hours westwind plans below full power (segments with a powerFraction < 1). */
  cappedJobHours?: number;
  pauseOnly?: {
    gridMwh: number | null;
    objective: number | null;
    pauses: number;
    pausesPerJob: number | null;
    checkpointEnergyShare: number | null;
    deferrablePeakMwh: number | null;
    deadlineMisses: number;
    planMs: number | null;
  };
  /** 1 − pauses / pause-only pauses (issue #20's target: ≥ 0.4). */
  pausesReduction?: number | null;
  /** 1 − grid MWh / pause-only grid MWh (target: > 0). */
  gridMwhReduction?: number | null;
  /** Whether the LP bound models capping (each curve level a continuous variable): it does since 2026-12-02. */
  lpModelsCapping?: boolean;
  /** flexible-jobs: westwind's and pause-only's pauses by cause (`pauseCauses`). */
  westwindPauseCauses?: PauseCauses;
  pauseOnlyPauseCauses?: PauseCauses;
}

interface Measured {
  totals: EnergyTotals;
  deferrablePeakHours: number | null;
  deferrablePeakMwh: number | null;
  pauses: number;
  deadlineMisses: number;
  /** Energy of checkpoint restores: what was used beyond the jobs' work at full power. */
  checkpointMwh: number;
  planMs: number;
  /** Site-hours holding more GPUs than the site has (the plan's load; a replay: what ran): 0 unless a plan broke it. */
  overbookedSiteHours: number;
}

const powerOf = (gpus: number) => jobPowerMw(gpus, KW_PER_GPU, PUE);

/**
 * A plan's figures; checkpoint energy = energy − the work energy of the jobs it placed. Capped hours
 * do a job's work on less energy, so there it is the restores' energy itself (restoreMwh).
 */
function fromPlan(input: PlanInput, p: Plan, planMs: number): Measured {
  const byId = new Map(input.jobs.map((j) => [j.id, j]));
  const work = p.jobs.reduce(
    (sum, jp) =>
      sum + (jp.segments.length ? byId.get(jp.jobId)!.remainingHours * powerOf(byId.get(jp.jobId)!.gpus) : 0),
    0,
  );
  const capped = p.jobs.some((jp) => jp.segments.some((s) => (s.powerFraction ?? 1) < 1));
  return {
    totals: p.totals,
    deferrablePeakHours: p.totals.deferrablePeakHours,
    deferrablePeakMwh: p.totals.deferrablePeakMwh,
    pauses: p.totals.pauses,
    deadlineMisses: p.totals.deadlineMisses,
    checkpointMwh: capped ? restoreMwh(input, p) : p.totals.energyMwh - work,
    planMs,
    overbookedSiteHours: input.sites.reduce((n, s) => n + p.load[s.id].filter((l) => l.gpus > s.gpus).length, 0),
  };
}

/**
 * Energy of a plan's checkpoint restores: each segment that does not continue the one before at
 * its site (a resume or a move; for a job paused or elsewhere now, also the first) begins with the
 * job's checkpoint minutes at the segment's power. Static instances only (every job queued).
 */
export function restoreMwh(input: PlanInput, p: Plan): number {
  const byId = new Map(input.jobs.map((j) => [j.id, j]));
  let mwh = 0;
  for (const jp of p.jobs) {
    const job = byId.get(jp.jobId)!;
    jp.segments.forEach((segment, i) => {
      const previous = jp.segments[i - 1];
      const continues = previous
        ? previous.endHour === segment.startHour && previous.site === segment.site
        : job.state === 'queued' || (job.state === 'running' && job.currentSite === segment.site);
      if (continues) return;
      const hours = Math.min(job.checkpointMinutes / 60, segment.endHour - segment.startHour);
      mwh += hours * powerOf(job.gpus) * (segment.powerFraction ?? 1);
    });
  }
  return mwh;
}

/** Job-hours planned below full power. */
function cappedJobHours(p: Plan): number {
  return p.jobs.reduce(
    (sum, jp) => sum + jp.segments.reduce((h, s) => h + ((s.powerFraction ?? 1) < 1 ? s.endHour - s.startHour : 0), 0),
    0,
  );
}

/** The instance planned with the LP's prices as its guide (null without a solved LP). */
function guidedFigures(input: PlanInput, fifo: Measured, lp: LpBound | undefined) {
  if (!lp?.gpuHourPrice) return null;
  const t0 = performance.now();
  const guided = plan({ ...input, guide: { gpuHourPrice: lp.gpuHourPrice } });
  return compare(fifo, fromPlan(input, guided, performance.now() - t0), lp, input.jobs.length);
}

function row(
  base: Omit<SuiteRow, keyof ReturnType<typeof compare> | 'guided'>,
  fifo: Measured,
  westwind: Measured,
  lp: LpBound | undefined,
  jobs: number,
) {
  return { ...base, ...compare(fifo, westwind, lp, jobs) };
}

function compare(fifo: Measured, westwind: Measured, lp: LpBound | undefined, jobs: number) {
  const lpObjective = lp?.status === 'optimal' && lp.unmetWorkHours < 1e-6 ? lp.objective : NaN;
  const lpGrid = lpObjective === lpObjective ? lp!.gridMwh : NaN;
  const share = (f: number, w: number, l: number) => (f - l > 1e-9 ? (f - w) / (f - l) : NaN);
  return {
    fifoGridMwh: round(fifo.totals.gridMwh),
    westwindGridMwh: round(westwind.totals.gridMwh),
    lpGridMwh: round(lpGrid),
    fifoObjective: round(objectiveOf(fifo.totals)),
    westwindObjective: round(objectiveOf(westwind.totals)),
    lpObjective: round(lpObjective),
    capturedShare: round(share(objectiveOf(fifo.totals), objectiveOf(westwind.totals), lpObjective)),
    capturedShareGrid: round(share(fifo.totals.gridMwh, westwind.totals.gridMwh, lpGrid)),
    greenShareOfLp: round(westwind.totals.greenMwh / (lp?.greenMwh ?? NaN)),
    pausesPerJob: round(westwind.pauses / jobs),
    checkpointEnergyShare: round(westwind.checkpointMwh / westwind.totals.energyMwh, 5),
    deadlineMisses: westwind.deadlineMisses,
    fifoDeadlineMisses: fifo.deadlineMisses,
    overbookedSiteHours: westwind.overbookedSiteHours,
    westwindDeferrablePeakHours: westwind.deferrablePeakHours,
    lpDeferrablePeakHours: lp ? round(lp.deferrablePeakHours, 1) : null,
    westwindDeferrablePeakMwh: westwind.deferrablePeakMwh === null ? null : round(westwind.deferrablePeakMwh),
    lpDeferrablePeakMwh: lp ? round(lp.deferrablePeakMwh) : null,
    planMs: round(westwind.planMs, 1),
    lpMs: lp ? round(lp.solveMs, 0) : null,
  };
}

/**
 * Replays of the reference week with every job announced this many hours ahead: a day, as a team that books its runs
 * the day before; a week, every job known from the start, as in the static plan.
 */
const ANNOUNCED_HOURS = [24, 168];

/** The forecasts of a rolling replay: perfect, 5% flat noise, or 5% from the lead-dependent model. */
interface ReplayForecasts {
  suffix: string;
  text: string;
  forecastError: number;
  model?: ForecastErrorModel;
}

const PERFECT: ReplayForecasts = { suffix: '', text: 'perfect forecasts', forecastError: 0 };
const FLAT_5PCT: ReplayForecasts = {
  suffix: '-5pct',
  text: '5% forecast error (flat noise, redrawn every hour)',
  forecastError: 0.05,
};
/** 5% at 24 h lead, less before and more after, autocorrelated along a forecast and revised as the hour nears. */
const LEAD_5PCT: ReplayForecasts = {
  suffix: '-5pct-lead',
  text: '5% forecast error at 24 h lead (growing with lead, autocorrelated, revised as the hour nears)',
  forecastError: 0.05,
  model: { level: 0.05, bias: 0 },
};

async function fromReplay(
  world: ReplayWorld,
  jobs: Job[],
  strategy: 'westwind' | 'fifo',
  forecasts: ReplayForecasts,
  priceGuideMaxJobs = 0,
): Promise<Measured> {
  const started = performance.now();
  const outcome = await replayStrategy(world, jobs, {
    strategy,
    objective: 'green',
    forecastError: forecasts.forecastError,
    forecastModel: forecasts.model,
    seed: 1,
    priceGuideMaxJobs,
  });
  const wallMs = performance.now() - started;
  const work = jobs.reduce((sum, j) => sum + j.runtimeHours * powerOf(j.gpus), 0);
  return {
    totals: outcome.totals,
    deferrablePeakHours: null,
    deferrablePeakMwh: null,
    pauses: outcome.jobs.reduce((sum, j) => sum + j.pauses, 0),
    deadlineMisses: outcome.jobs.filter((j) => !j.deadlineMet).length,
    checkpointMwh: outcome.totals.energyMwh - work,
    planMs: wallMs / Math.max(1, outcome.replans),
    overbookedSiteHours: outcome.overbooked.siteHours,
  };
}

const sitesText = (input: PlanInput) => input.sites.map((s) => `${s.id}:${s.gpus}`).join(' ');

export interface SuiteOptions {
  quick: boolean;
  /** Time limit of each exact solve, s. */
  exactSeconds: number;
  log: (line: string) => void;
  /** Only the exact slices (BENCH_EXACT_ONLY): the instances are built but not planned. */
  exactOnly?: boolean;
  /** Only the flexible-jobs instance, with curves and pause-only (BENCH_FLEX_ONLY). */
  flexOnly?: boolean;
  /** Only the static instances, with their LP bounds and guided plans (BENCH_STATIC_ONLY). */
  staticOnly?: boolean;
  /** Only the reference week, static and replayed with and without the price guide (BENCH_REPLAY_ONLY). */
  replayOnly?: boolean;
  /** Only the month's replays, perfect and 5% (BENCH_MONTH_ONLY). */
  monthOnly?: boolean;
}

/** Runs the whole suite; rows in the order: static instances, replays, exact slices. */
export async function runSuite(options: SuiteOptions): Promise<SuiteRow[]> {
  const trace = readItpTrace('data/itp-traces/cluster04.csv');
  const from = DateTime.fromISO(SUITE_FROM, { zone: 'utc' });
  const rows: SuiteRow[] = [];
  const specs = options.monthOnly
    ? []
    : options.flexOnly
      ? SUITE.filter((s) => s.flexible)
      : options.replayOnly
        ? SUITE.filter((s) => s.name === 'reference')
        : options.quick
          ? SUITE.filter((s) => s.name === 'reference' || s.name === 'fixed-peaks-ppa')
          : SUITE;
  const inputs = new Map<string, PlanInput>();
  for (const spec of specs) {
    const built = suiteInstance(spec, readOpsdZones, from, trace);
    const { input } = built;
    inputs.set(spec.name, input);
    if (options.exactOnly) continue;
    const t0 = performance.now();
    const westwindPlan = plan(input);
    const firstMs = performance.now() - t0;
    // Planned again, as a planner thread that has planned before plans (the code compiled and warm): `planMs`.
    const warmMs = [0, 1, 2].map(() => {
      const t1 = performance.now();
      plan(input);
      return performance.now() - t1;
    });
    const westwind = fromPlan(input, westwindPlan, Math.min(...warmMs));
    const fifo = fromPlan(input, plan({ ...input, options: { strategy: 'fifo' } }), 0);
    const lp = await lpBound(input, westwindPlan, LP_SETTINGS);
    const base = {
      name: spec.name,
      kind: 'static' as const,
      description: spec.description,
      jobs: input.jobs.length,
      sites: sitesText(input),
      hours: input.hours,
    };
    rows.push({
      ...row(base, fifo, westwind, lp, input.jobs.length),
      planMsFirst: round(firstMs, 1),
      planMsWarm: warmMs.map((ms) => round(ms, 1)!),
      guided: guidedFigures(input, fifo, lp),
    });
    if (spec.flexible) rows.push({ ...rows.pop()!, ...flexibleFigures(input, westwindPlan, westwind) });
    options.log(`${spec.name}: ${JSON.stringify(rows.at(-1))}`);
    if (options.flexOnly || options.staticOnly) continue;
    if (spec.name !== 'reference') continue;
    // The same week as a rolling replay: jobs become known at submission, forecasts perfect or 5% off.
    const { world, jobs } = replayWorldOf(spec, built);
    for (const forecasts of [PERFECT, FLAT_5PCT, LEAD_5PCT]) {
      const fifoReplay = await fromReplay(world, jobs, 'fifo', forecasts);
      const replayRow = row(
        {
          ...base,
          name: `reference-replay${forecasts.suffix}`,
          kind: 'rolling replay',
          forecastError: forecasts.forecastError,
          ...(forecasts.forecastError > 0 && { forecastErrorModel: forecasts.model ? 'lead-dependent' : 'flat' }),
          description: `the reference week replayed hour by hour, ${forecasts.text}`,
        },
        fifoReplay,
        await fromReplay(world, jobs, 'westwind', forecasts),
        lp,
        jobs.length,
      );
      // As the service re-plans by default: guided by the LP's prices, solved for each replayed hour.
      const guided = compare(
        fifoReplay,
        await fromReplay(world, jobs, 'westwind', forecasts, PRICE_GUIDE_MAX_JOBS),
        lp,
        jobs.length,
      );
      rows.push({ ...replayRow, lpMs: null, lpDeferrablePeakHours: null, lpDeferrablePeakMwh: null, guided });
      options.log(`${replayRow.name}: ${JSON.stringify(rows.at(-1))}`);
    }
    if (options.quick) continue;
    // Jobs announced ahead (submitted with their start as `earliestStart`): how much of the replay's gap to the static
    // plan is the jobs it does not know yet, and how much the re-plans' own.
    for (const announcedHours of ANNOUNCED_HOURS) {
      const announced = replayWorldOf(spec, built, announcedHours);
      const announcedRow = row(
        {
          ...base,
          name: `reference-replay-announced-${announcedHours}h`,
          kind: 'rolling replay',
          forecastError: 0,
          description: `the reference week replayed, perfect forecasts, jobs submitted ${announcedHours} h ahead`,
        },
        await fromReplay(announced.world, announced.jobs, 'fifo', PERFECT),
        await fromReplay(announced.world, announced.jobs, 'westwind', PERFECT),
        lp,
        announced.jobs.length,
      );
      const lpColumns = { lpMs: null, lpDeferrablePeakHours: null, lpDeferrablePeakMwh: null };
      rows.push({ ...announcedRow, announcedHours, ...lpColumns });
      options.log(`${announcedRow.name}: ${JSON.stringify(rows.at(-1))}`);
    }
  }

  if (options.flexOnly || options.staticOnly || options.replayOnly) return rows;
  if (!options.quick && !options.exactOnly) {
    // A month, rolling: the LP bound plans all of it at once with perfect knowledge.
    const built = suiteInstance(MONTH, readOpsdZones, DateTime.fromISO('2019-03-01T00:00:00Z', { zone: 'utc' }), trace);
    const { world, jobs } = replayWorldOf(MONTH, built);
    const lp = await lpBound(built.input, plan(built.input), LP_SETTINGS);
    for (const forecasts of [PERFECT, FLAT_5PCT]) {
      const base = {
        name: `month-replay${forecasts.suffix}`,
        kind: 'rolling replay' as const,
        forecastError: forecasts.forecastError,
        ...(forecasts.forecastError > 0 && { forecastErrorModel: 'flat' as const }),
        description: `${MONTH.description}, ${forecasts.text}`,
        jobs: jobs.length,
        sites: sitesText(built.input),
        hours: MONTH.hours,
      };
      rows.push(
        row(
          base,
          await fromReplay(world, jobs, 'fifo', forecasts),
          await fromReplay(world, jobs, 'westwind', forecasts),
          lp,
          jobs.length,
        ),
      );
      options.log(`${base.name}: ${JSON.stringify(rows.at(-1))}`);
    }
  }
  if (options.monthOnly) return rows;

  // Small slices, solved exactly: of the reference week (load-derived peaks: most of the day) and of
  // the fixed-window instance (five peak hours a day).
  const slices = options.quick
    ? [{ of: 'fixed-peaks-ppa', offset: 0 }]
    : [
        { of: 'reference', offset: 0 },
        { of: 'reference', offset: 96 },
        { of: 'fixed-peaks-ppa', offset: 0 },
        { of: 'fixed-peaks-ppa', offset: 96 },
      ];
  for (const { of, offset } of slices) {
    const input = exactSlice(inputs.get(of)!, offset);
    const t0 = performance.now();
    const westwindPlan = plan(input);
    const westwind = fromPlan(input, westwindPlan, performance.now() - t0);
    const fifo = fromPlan(input, plan({ ...input, options: { strategy: 'fifo' } }), 0);
    const lp = await lpBound(input, westwindPlan);
    const marginless = plan({ ...input, options: { ...input.options, deadlineMarginHours: 0 } });
    // The MIP starts from the better of the two plans by the planner's own cost (misses, peak rule, objective).
    const incumbent = planCost(marginless.totals) < planCost(westwindPlan.totals) ? marginless : westwindPlan;
    const exact = await exactPlan(input, { fixed: incumbent, timeLimitSeconds: options.exactSeconds });
    const base = {
      name: `exact-${of}-h${offset}`,
      kind: 'exact slice' as const,
      description:
        `40 jobs of ${of} submitted in hours ${offset}–${offset + 24}, ` +
        'a 48 h slice, sites scaled to the same load',
      jobs: input.jobs.length,
      sites: sitesText(input),
      hours: input.hours,
    };
    const r = row(base, fifo, westwind, lp, input.jobs.length);
    const exactObjective = exact.unmetWorkHours < 1e-6 ? exact.objective : NaN;
    const aboveExact = (p: Plan) => ({
      mipGapShare: round(exactObjective > 1e-9 ? (objectiveOf(p.totals) - exactObjective) / exactObjective : NaN, 4),
      peakMwhAboveExact: Number.isFinite(exactObjective)
        ? round(p.totals.deferrablePeakMwh - exact.deferrablePeakMwh, 4)
        : null,
    });
    rows.push({
      ...r,
      ...aboveExact(westwindPlan),
      sameRules: {
        objective: round(objectiveOf(marginless.totals), 4),
        ...aboveExact(marginless),
        pauses: marginless.totals.pauses,
      },
      exact: {
        status: exact.status,
        gridMwh: round(exact.gridMwh, 4),
        objective: round(exact.objective, 4),
        pauses: exact.pauses,
        pausesPerJob: round(exact.pauses / input.jobs.length),
        checkpointEnergyShare: round(exact.checkpointMwh / exact.energyMwh, 5),
        deferrablePeakHours: exact.deferrablePeakHours,
        westwindDeferrablePeakHours: westwindPlan.totals.deferrablePeakHours,
        deferrablePeakMwh: round(exact.deferrablePeakMwh, 4),
        westwindDeferrablePeakMwh: round(westwindPlan.totals.deferrablePeakMwh, 4),
        solverGap: round(exact.mipGap, 6),
        solverAbsoluteGap: round(exact.absoluteGap, 6),
        solveMs: round(exact.solveMs, 0),
        variables: exact.variables,
        binaries: exact.binaries,
        lpObjective: round(lp.objective, 4),
        westwindPauses: westwind.pauses,
      },
    });
    options.log(`${base.name}: ${JSON.stringify(rows.at(-1))}`);
  }
  return rows;
}

/** The flexible-jobs row's extra figures: the same jobs planned pause-only, and westwind's reductions against it. */
function flexibleFigures(input: PlanInput, westwindPlan: Plan, westwind: Measured): Partial<SuiteRow> {
  const plain = pauseOnly(input);
  const t0 = performance.now();
  const plainPlan = plan(plain);
  const paused = fromPlan(plain, plainPlan, performance.now() - t0);
  const reduction = (mine: number, theirs: number) => round(theirs > 0 ? 1 - mine / theirs : NaN, 4);
  return {
    flexibleJobs: input.jobs.filter((j) => j.power).length,
    westwindPauses: westwind.pauses,
    cappedJobHours: cappedJobHours(westwindPlan),
    pauseOnly: {
      gridMwh: round(paused.totals.gridMwh),
      objective: round(objectiveOf(paused.totals)),
      pauses: paused.pauses,
      pausesPerJob: round(paused.pauses / plain.jobs.length),
      checkpointEnergyShare: round(paused.checkpointMwh / paused.totals.energyMwh, 5),
      deferrablePeakMwh: round(paused.deferrablePeakMwh ?? NaN),
      deadlineMisses: paused.deadlineMisses,
      planMs: round(paused.planMs, 1),
    },
    pausesReduction: reduction(westwind.pauses, paused.pauses),
    gridMwhReduction: reduction(westwind.totals.gridMwh, paused.totals.gridMwh),
    lpModelsCapping: true,
    westwindPauseCauses: pauseCauses(input, westwindPlan),
    pauseOnlyPauseCauses: pauseCauses(plain, plainPlan),
  };
}

/**
 * A plan's pauses by what they go around: `peak`, a gap at one site that holds a peak hour there (the peak rule
 * pauses a deferrable job through it, curve or not), wherever it resumes; `other`, a gap without one (green or
 * capacity elsewhere in time); `move`, going on at another site the next hour. Segments that go on at the same
 * site the next hour (a new power level) are no pause.
 */
interface PauseCauses {
  peak: number;
  other: number;
  move: number;
}

function pauseCauses(input: PlanInput, p: Plan): PauseCauses {
  const siteIndex = new Map(input.sites.map((s, k) => [s.id, k]));
  const causes = { peak: 0, other: 0, move: 0 };
  for (const { segments } of p.jobs) {
    for (let k = 1; k < segments.length; k++) {
      const [before, after] = [segments[k - 1], segments[k]];
      if (before.endHour === after.startHour) {
        if (before.site !== after.site) causes.move++;
      } else {
        const { peak } = input.sites[siteIndex.get(before.site)!].signals;
        let throughPeak = false;
        for (let h = before.endHour; h < after.startHour; h++) throughPeak ||= peak[h] === 1;
        causes[throughPeak ? 'peak' : 'other']++;
      }
    }
  }
  return causes;
}

/** The interior-point solver: the week-long LPs with tight capacity take minutes with the default dual simplex. */
const LP_SETTINGS = { solver: 'ipm' };
/** The service's default `planner.priceGuideMaxJobs`: replays are guided as the live planner is. */
const PRICE_GUIDE_MAX_JOBS = new PlannerConfig().priceGuideMaxJobs;
