import { DateTime } from 'luxon';
import type { WestwindConfig } from '../config/westwind-config.js';
import { energyFigures, type EnergyTotals } from '../domain/energy/energy-meter.js';
import { zoneRenewableMw } from '../domain/energy/site-supply.js';
import type { Job } from '../domain/jobs/job.js';
import { lpBound } from '../domain/planner/lp-bound.js';
import { plan } from '../domain/planner/plan.js';
import type { Objective } from '../domain/planner/plan-types.js';
import { zonePeaks, ZoneSeries } from '../domain/signals/site-signals.js';
import { formatInstant } from '../domain/time/instant.js';
import { planInputFrom, PLANNING_HORIZON_HOURS } from '../domain/planner/plan-input.js';
import { InputProblem, ReplayInputError, ReplaySignals } from './replay-input.js';
import { JobOutcome, ReplayForecasts, replayStrategy, ReplayWorld, StrategyOutcome } from './rolling-replay.js';
import { ForecastErrorModel, isPerfect } from './forecast-error.js';
import type { IssuedForecasts, IssuedForecastsInput } from './issued-forecasts.js';
import { HOUR_MS, isHourStart } from '../domain/time/hours.js';

export const REPLAY_STRATEGIES = ['westwind', 'fifo', 'peak-pause', 'lp'] as const;
/**
 * How the replay's forecasts err: lead-dependent errors revised hour by hour or drawn afresh, or
 * flat noise (before #21).
 */
export const FORECAST_MODELS = ['evolving', 'redrawn', 'flat'] as const;
export type ForecastModelName = (typeof FORECAST_MODELS)[number];
export type ReplayStrategy = (typeof REPLAY_STRATEGIES)[number];

export interface ReplayRequest {
  config: WestwindConfig;
  signals: ReplaySignals;
  jobs: Job[];
  strategies: ReplayStrategy[];
  objective: Objective;
  /**
   * The forecasts' error level: with the `evolving` or `redrawn` model (forecast-error.ts), the
   * mean absolute percentage error at 24 h lead; with `flat`, σ as a fraction of each series' mean.
   */
  forecastError: number;
  /** Systematic relative error of the renewable supply forecasts (evolving and redrawn only); default 0. */
  forecastBias?: number;
  /** The load forecasts' level (evolving and redrawn only); default `forecastError`. */
  forecastLoadError?: number;
  /** Default `evolving`. */
  forecastModel?: ForecastModelName;
  /** Forecasts providers actually issued (`--forecasts`), over the model's where they reach. */
  issuedForecasts?: IssuedForecasts;
  seed: number;
  /** Jobs submitted in [from, to) are replayed; defaults: the signals' first hour and end. */
  from?: DateTime;
  to?: DateTime;
  horizonHours?: number;
  /** Progress over all strategies: hours simulated so far of `total`. */
  onProgress?: (done: number, total: number) => void;
}

/** One strategy's figures, as report.json gives them. */
export interface StrategyFigures {
  totalMwh: number;
  greenMwh: number;
  gridMwh: number;
  peakGridMwh: number;
  carbonKg: number;
  cost: number;
  greenShare: number | null;
  /** null for the LP bound, which places work fractionally and has no pauses or finish times. */
  deadlineMisses: number | null;
  pauses: number | null;
  meanDelayHours: number | null;
  completed: number | null;
  replans: number | null;
  wallMs: number;
  /** The planner's objective on what happened (green: grid MWh + 9 × peak-hour grid MWh; the LP: its bound). */
  objective: number;
  /** fifo's objective − this one's, with the same forecasts: what planning saved (fifo: 0). */
  saving: number;
  /**
   * The same strategy replayed with perfect forecasts; absent when these forecasts are perfect
   * (then it is this run) and for the LP bound, which always knows the actual series.
   */
  perfectForecasts?: { objective: number; deadlineMisses: number; saving: number };
  /** The saving with perfect forecasts − this saving (null for fifo and the LP). */
  savingLost: number | null;
  /**
   * This saving / the saving with perfect forecasts (null for fifo, the LP, or where perfect
   * forecasts saved nothing).
   */
  retainedShare: number | null;
  /** The LP bound only: work it could not place before deadlines, hours. */
  unmetWorkHours?: number;
}

/** westwind's figures in the capping comparison (report.capping). */
export interface CappingFigures {
  totalMwh: number;
  gridMwh: number;
  peakGridMwh: number;
  objective: number;
  pauses: number;
  /** Energy of checkpoint restores, MWh. */
  checkpointMwh: number;
  deadlineMisses: number;
  /** Hours jobs ran below full power (job-hours). */
  cappedJobHours: number;
}

export interface ReplayReport {
  input: {
    from: string;
    to: string;
    /** The simulation runs on to the end of the signals, so late jobs can still finish. */
    dataEnd: string;
    zones: string[];
    sites: string[];
    objective: Objective;
    forecastModel: ForecastModelName;
    forecastError: number;
    forecastBias: number;
    forecastLoadError: number;
    /** The providers' issued forecasts replayed (`--forecasts`), one entry per file; empty without. */
    issuedForecasts: IssuedForecastsInput[];
    seed: number;
    horizonHours: number;
    jobsReplayed: number;
    jobsExcluded: { id: string; reason: string }[];
  };
  strategies: Partial<Record<ReplayStrategy, StrategyFigures>>;
  /**
   * Where a job declares a power curve and westwind is replayed: westwind as replayed (`withCurves`)
   * against westwind with every curve removed (`withoutCurves`: jobs run at full power or pause), same
   * forecasts.
   */
  capping?: { jobsWithCurves: number; withCurves: CappingFigures; withoutCurves: CappingFigures };
  jobs: {
    id: string;
    submitAt: string;
    deadline: string;
    gpus: number;
    runtimeHours: number;
    deferrable: boolean;
    interruptible: boolean;
    strategies: Partial<Record<ReplayStrategy, Omit<JobOutcome, 'id'>>>;
  }[];
}

/** Hourly series for the report's charts, index = hour from `from`. */
export interface ReplayCharts {
  start: string;
  hours: number;
  zones: {
    zone: string;
    timeZone: string;
    loadMw: number[];
    renewableMw: number[];
    peak: number[];
    /** Green supply of the zone's sites together. */
    siteGreenMw: number[];
    /** AI energy of the zone's sites per hour (average MW), per strategy. */
    aiMw: Partial<Record<ReplayStrategy, number[]>>;
  }[];
}

/**
 * Runs every requested strategy over the same jobs and forecasts (and, when these err, again with
 * perfect ones); the LP bound plans the whole period with perfect knowledge.
 */
export async function runReplay(request: ReplayRequest): Promise<{ report: ReplayReport; charts: ReplayCharts }> {
  const { config, objective, forecastError, seed } = request;
  const horizonHours = request.horizonHours ?? PLANNING_HORIZON_HOURS;
  const window = replayWindow(request);
  const signals = fromHour(request.signals, window.from);
  const world: ReplayWorld = { config, signals };
  const dataEndMs = signals.start.toMillis() + signals.hours * HOUR_MS;
  const jobsExcluded: { id: string; reason: string }[] = [];
  const jobs = request.jobs.filter((job) => {
    const submitted = Date.parse(job.submittedAt);
    if (submitted < window.from.toMillis() || submitted >= window.to.toMillis()) return false;
    if (Date.parse(job.deadline) > dataEndMs)
      jobsExcluded.push({
        id: job.id,
        reason: `deadline ${job.deadline} is after the signals end (${formatInstant(window.dataEnd)})`,
      });
    return Date.parse(job.deadline) <= dataEndMs;
  });

  const strategies: ReplayReport['strategies'] = {};
  const outcomes = new Map<string, ReplayReport['jobs'][number]['strategies']>(jobs.map((j) => [j.id, {}]));
  const charts = chartBase(world);
  const simulated = request.strategies.filter((s) => s !== 'lp');
  const forecast = forecastOf(request);
  const perfect = (typeof forecast === 'number' ? forecast === 0 : isPerfect(forecast)) && !request.issuedForecasts;
  // fifo is the baseline of every saving: replayed even when not asked for (and then not reported).
  const jobsWithCurves = jobs.filter((j) => j.power).length;
  const compareCapping = jobsWithCurves > 0 && simulated.includes('westwind');
  const runs: { strategy: Exclude<ReplayStrategy, 'lp'>; perfect: boolean; withoutCurves?: boolean }[] = [
    ...[...new Set([...simulated, 'fifo' as const])].map((strategy) => ({ strategy, perfect })),
    ...(perfect ? [] : [...new Set([...simulated, 'fifo' as const])].map((strategy) => ({ strategy, perfect: true }))),
    // The same forecasts, every job at full power or paused: what the curves changed.
    ...(compareCapping ? [{ strategy: 'westwind' as const, perfect, withoutCurves: true }] : []),
  ];
  const total = runs.length * signals.hours;
  const measured = new Map<string, StrategyFigures>();
  const capping: Partial<Record<'withCurves' | 'withoutCurves', CappingFigures>> = {};
  const withoutCurves = jobs.map(({ power: _curve, ...job }) => job);
  for (const [k, run] of runs.entries()) {
    const { strategy } = run;
    const started = performance.now();
    const result = await replayStrategy(world, run.withoutCurves ? withoutCurves : jobs, {
      strategy,
      objective,
      forecastError: run.perfect ? 0 : typeof forecast === 'number' ? forecast : 0,
      forecastModel: run.perfect || typeof forecast === 'number' ? undefined : forecast,
      issuedForecasts: run.perfect ? undefined : request.issuedForecasts,
      seed,
      horizonHours,
      // As the configured service re-plans: guided by the LP's prices up to this many deferrable jobs.
      priceGuideMaxJobs: request.config.planner.priceGuideMaxJobs,
      onHour: (hour) => request.onProgress?.(k * signals.hours + hour, total),
    });
    const wallMs = performance.now() - started;
    if (compareCapping && strategy === 'westwind' && run.perfect === perfect)
      capping[run.withoutCurves ? 'withoutCurves' : 'withCurves'] = {
        ...cappingFigures(result),
        pauses: result.jobs.reduce((sum, j) => sum + j.pauses, 0),
        deadlineMisses: result.jobs.filter((j) => !j.deadlineMet).length,
      };
    if (run.withoutCurves) continue;
    const finishedJobs = result.jobs.filter((j) => j.finish !== undefined);
    measured.set(`${strategy}:${run.perfect}`, {
      ...reportFigures(result.totals),
      deadlineMisses: result.jobs.filter((j) => !j.deadlineMet).length,
      pauses: result.jobs.reduce((sum, j) => sum + j.pauses, 0),
      meanDelayHours: finishedJobs.length
        ? round(finishedJobs.reduce((sum, j) => sum + j.delayHours!, 0) / finishedJobs.length)
        : null,
      completed: finishedJobs.length,
      replans: result.replans,
      wallMs: Math.round(wallMs),
      objective: round(result.objective),
      saving: 0,
      savingLost: null,
      retainedShare: null,
    });
    if (run.perfect !== perfect || !simulated.includes(strategy)) continue;
    for (const { id, ...rest } of result.jobs) outcomes.get(id)![strategy] = rest;
    for (const zone of charts.zones) {
      const ai = new Array<number>(signals.hours).fill(0);
      for (const site of config.sites.filter((s) => s.zone === zone.zone))
        result.siteHourMwh.get(site.id)!.forEach((mwh, h) => (ai[h] += mwh));
      zone.aiMw[strategy] = ai.map((mwh) => round(mwh));
    }
  }
  request.onProgress?.(total, total);
  const fifoObjective = (atPerfect: boolean) => measured.get(`fifo:${atPerfect}`)!.objective;
  for (const strategy of simulated) {
    const figures = measured.get(`${strategy}:${perfect}`)!;
    const ideal = measured.get(`${strategy}:true`)!;
    const { saving, perfectSaving, savingLost, retainedShare } = savingKept({
      fifo: fifoObjective(perfect),
      strategy: figures.objective,
      fifoPerfect: fifoObjective(true),
      strategyPerfect: ideal.objective,
    });
    strategies[strategy] = {
      ...figures,
      saving,
      ...(perfect
        ? {}
        : {
            perfectForecasts: {
              objective: ideal.objective,
              deadlineMisses: ideal.deadlineMisses!,
              saving: perfectSaving,
            },
          }),
      savingLost: strategy === 'fifo' ? null : savingLost,
      retainedShare: strategy === 'fifo' ? null : retainedShare,
    };
  }
  if (request.strategies.includes('lp')) {
    const lp = await lpFigures(world, jobs, objective);
    strategies.lp = { ...lp, saving: round(fifoObjective(perfect) - lp.objective) };
  }

  const report: ReplayReport = {
    input: {
      from: formatInstant(window.from),
      to: formatInstant(window.to),
      dataEnd: formatInstant(window.dataEnd),
      zones: config.zones.map((z) => z.id),
      sites: config.sites.map((s) => s.id),
      objective,
      forecastModel: request.forecastModel ?? 'evolving',
      forecastError,
      forecastBias: request.forecastBias ?? 0,
      forecastLoadError: request.forecastLoadError ?? forecastError,
      issuedForecasts: request.issuedForecasts?.describe() ?? [],
      seed,
      horizonHours,
      jobsReplayed: jobs.length,
      jobsExcluded,
    },
    strategies,
    ...(compareCapping
      ? { capping: { jobsWithCurves, withCurves: capping.withCurves!, withoutCurves: capping.withoutCurves! } }
      : {}),
    jobs: jobs.map((job) => ({
      id: job.id,
      submitAt: job.submittedAt,
      deadline: job.deadline,
      gpus: job.gpus,
      runtimeHours: job.runtimeHours,
      deferrable: job.deferrable,
      interruptible: job.interruptible,
      strategies: outcomes.get(job.id)!,
    })),
  };
  return { report, charts };
}

/**
 * What a strategy saved against fifo (objectives on the actual series), with these forecasts and
 * with perfect ones; the share kept is null where perfect forecasts saved nothing.
 */
export function savingKept(objectives: {
  fifo: number;
  strategy: number;
  fifoPerfect: number;
  strategyPerfect: number;
}) {
  const saving = objectives.fifo - objectives.strategy;
  const perfectSaving = objectives.fifoPerfect - objectives.strategyPerfect;
  return {
    saving: round(saving),
    perfectSaving: round(perfectSaving),
    savingLost: round(perfectSaving - saving),
    retainedShare: perfectSaving > 1e-9 ? round(saving / perfectSaving, 4) : null,
  };
}

/** The request's forecasts as the rolling replay takes them: a flat σ, or an error model. */
function forecastOf(request: ReplayRequest): number | ForecastErrorModel {
  const model = request.forecastModel ?? 'evolving';
  if (model === 'flat') {
    if (request.forecastBias || request.forecastLoadError !== undefined)
      throw new ReplayInputError([
        { file: '--forecast-model', message: 'flat takes neither a bias nor a load error: use evolving or redrawn' },
      ]);
    return request.forecastError;
  }
  return {
    level: request.forecastError,
    bias: request.forecastBias ?? 0,
    loadLevel: request.forecastLoadError,
    revisions: model,
  };
}

/** The forecasts in words, as report.json's input names them. */
export function forecastText(input: ReplayReport['input']): string {
  if (input.forecastModel === 'flat') return `flat forecast noise ${input.forecastError} × each series' mean`;
  const load = input.forecastLoadError !== input.forecastError ? `, load ${input.forecastLoadError}` : '';
  const how = `mean absolute at 24 h lead, growing with lead; ${input.forecastModel}${load}`;
  const issued = (input.issuedForecasts ?? []).map((f) => `${f.provider} ${f.region} → ${f.zone} (${f.issues} issued)`);
  const over = issued.length > 0 ? `; issued forecasts over it: ${issued.join(', ')}` : '';
  return `forecast error ${input.forecastError} (${how}), renewable bias ${input.forecastBias}${over}`;
}

/** [from, to) of submissions, inside the signals; the end of the data follows. */
function replayWindow(request: ReplayRequest): { from: DateTime; to: DateTime; dataEnd: DateTime } {
  const { signals } = request;
  const dataEnd = signals.start.plus({ hours: signals.hours });
  const from = request.from ?? signals.start;
  const to = request.to ?? dataEnd;
  const problems: InputProblem[] = [];
  const range = `the signals cover ${formatInstant(signals.start)} to ${formatInstant(dataEnd)}`;
  if (!isHourStart(from.toMillis())) problems.push({ file: '--from', message: 'must be the start of an hour' });
  if (from < signals.start || from >= dataEnd)
    problems.push({ file: '--from', message: `is outside the signals: ${range}` });
  if (to <= from || to > dataEnd)
    problems.push({ file: '--to', message: `must be after --from and not after the signals' end: ${range}` });
  if (problems.length > 0) throw new ReplayInputError(problems);
  return { from, to, dataEnd };
}

function fromHour(signals: ReplaySignals, from: DateTime): ReplaySignals {
  const offset = Math.round((from.toMillis() - signals.start.toMillis()) / HOUR_MS);
  const hours = signals.hours - offset;
  const zones = new Map<string, ZoneSeries>(
    [...signals.zones].map(([zone, s]) => [zone, { start: from, hours, values: s.values.slice(offset) }]),
  );
  return { start: from, hours, zones };
}

/**
 * The LP relaxation over the whole period with the actual series and every job known from the
 * start (each still waits for its submission): a lower bound no strategy, even with perfect
 * forecasts, can beat.
 */
async function lpFigures(world: ReplayWorld, jobs: Job[], objective: Objective): Promise<StrategyFigures> {
  const started = performance.now();
  const { signals, config } = world;
  const forecasts = new ReplayForecasts(world, 0, 0);
  const input = planInputFrom(
    {
      start: signals.start,
      now: signals.start,
      hours: signals.hours,
      sites: config.sites,
      signals: forecasts.siteSignals(0, signals.hours, true),
      timeZoneOf: forecasts.timeZoneOf,
      dataRegions: config.dataRegions,
    },
    jobs,
  );
  input.options = { objective };
  const bound = await lpBound(input, plan(input));
  return {
    ...reportFigures(bound),
    deadlineMisses: null,
    pauses: null,
    meanDelayHours: null,
    completed: null,
    replans: null,
    wallMs: Math.round(performance.now() - started),
    objective: round(bound.objective),
    saving: 0,
    savingLost: null,
    retainedShare: null,
    unmetWorkHours: round(bound.unmetWorkHours),
  };
}

/** A westwind run's energy figures for the capping comparison (pauses and misses are added by the caller). */
function cappingFigures(result: StrategyOutcome): Omit<CappingFigures, 'pauses' | 'deadlineMisses'> {
  const t = energyFigures(result.totals);
  return {
    totalMwh: t.energyMwh,
    gridMwh: t.gridMwh,
    peakGridMwh: t.peakGridMwh,
    objective: round(result.objective),
    checkpointMwh: round(result.checkpointMwh),
    cappedJobHours: round(result.cappedJobHours),
  };
}

/** The report's columns: energy as `totalMwh`, the green share to four digits. */
function reportFigures(t: EnergyTotals) {
  const { energyMwh, greenShare, ...rest } = energyFigures(t);
  return { totalMwh: energyMwh, ...rest, greenShare: greenShare === null ? null : round(greenShare, 4) };
}

/** The zones' actual grid and the sites' green supply, hour by hour, for the report's charts. */
function chartBase(world: ReplayWorld): ReplayCharts {
  const { signals, config } = world;
  const actual = new ReplayForecasts(world, 0, 0).siteSignals(0, signals.hours, true);
  return {
    start: formatInstant(signals.start),
    hours: signals.hours,
    zones: config.zones.map((zone) => {
      const series = signals.zones.get(zone.id)!;
      const values = series.values;
      const sites = config.sites.filter((s) => s.zone === zone.id);
      return {
        zone: zone.id,
        timeZone: zone.timeZone,
        loadMw: values.map((v) => round(v?.loadMw ?? 0)),
        renewableMw: values.map((v) => round(v ? zoneRenewableMw(v) : 0)),
        peak: Array.from(zonePeaks(series, zone.timeZone, zone.peak)),
        siteGreenMw: values.map((_, h) => round(sites.reduce((sum, s) => sum + actual.get(s.id)!.greenMw[h], 0))),
        aiMw: {},
      };
    }),
  };
}

function round(x: number, digits = 3): number {
  return Math.round(x * 10 ** digits) / 10 ** digits;
}
