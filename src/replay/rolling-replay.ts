import { DateTime } from 'luxon';
import { type SiteConfig, timeZonesByZone, type WestwindConfig } from '../config/westwind-config.js';
import {
  addHourly,
  closedSegmentEnergy,
  EnergyTotals,
  HourlyMwh,
  meterTotals,
  runSegmentEnergy,
  sumTotals,
} from '../domain/energy/energy-meter.js';
import { throughputAt } from '../domain/energy/power-curve.js';
import { jobPowerMw } from '../domain/energy/power.js';
import { actionsFor } from '../domain/execution/dispatch-decision.js';
import { currentPowerFraction, finished, paused, powerSet, started, workDone } from '../domain/execution/job-run.js';
import { isTerminal, transition } from '../domain/jobs/job-state-machine.js';
import type { Job } from '../domain/jobs/job.js';
import { GuidedPlanner } from '../domain/planner/plan-guide.js';
import type { JobPlan, Objective, Plan, PlanInput, Strategy } from '../domain/planner/plan-types.js';
import { gaussian, seededRandom } from '../domain/seeded-random.js';
import { gridWeight } from '../domain/planner/objective.js';
import { DEFAULT_PLAN_OPTIONS } from '../domain/planner/plan-types.js';
import type { HourSignal } from '../domain/signals/forecast.js';
import {
  LoadForecastError,
  SiteHourSignals,
  wholeLocalDays,
  zoneSiteSignals,
  ZoneSeries,
} from '../domain/signals/site-signals.js';
import { formatInstant } from '../domain/time/instant.js';
import { planInputFrom, PLANNING_HORIZON_HOURS } from '../domain/planner/plan-input.js';
import type { ReplaySignals } from './replay-input.js';
import { FORECAST_SERIES, ForecastErrorModel, ForecastErrors, ForecastSeries, isPerfect } from './forecast-error.js';
import type { IssuedForecasts } from './issued-forecasts.js';
import { HOUR_MS } from '../domain/time/hours.js';

/** What a replay is run on: the service's config, the actual series, and the jobs as admitted at their submission. */
export interface ReplayWorld {
  config: Pick<WestwindConfig, 'zones' | 'sites' | 'dataRegions'>;
  signals: ReplaySignals;
}

/**
 * The guide's LP in a replay is given all the time it takes (within reason): cut short by the machine's load, an hour
 * would go unguided and the same replay would come out differently from run to run.
 */
const REPLAY_GUIDE_SOLVE_SECONDS = 3600;

export interface ReplayOptions {
  strategy: Strategy;
  objective: Objective;
  /**
   * Flat forecast noise: standard deviation `forecastError` × the series' mean, drawn afresh
   * every hour and the same at every lead (the model before issue #21; the planner benchmark's
   * replay rows use it). Ignored when `forecastModel` is given.
   */
  forecastError: number;
  /** Lead-dependent, autocorrelated, possibly biased forecast errors (forecast-error.ts). */
  forecastModel?: ForecastErrorModel;
  /** Forecasts a provider actually issued, over the model's where they reach (issued-forecasts.ts). */
  issuedForecasts?: IssuedForecasts;
  /**
   * The planner is told the load forecast's error at each lead (default true), as the service is by configuration or
   * by measuring its stored revisions: load-derived peaks then count every hour that may well turn out one
   * (`zoneSiteSignals`). False: it takes the forecast's peaks as they are.
   */
  loadErrorKnown?: boolean;
  seed: number;
  horizonHours?: number;
  /**
   * Re-plans of up to this many deferrable jobs are guided by the LP's prices, as in the service
   * (`planner.priceGuideMaxJobs`): solved for each replayed hour, as a service on a real-time clock
   * does. Default 0: off.
   */
  priceGuideMaxJobs?: number;
  /** Called after each simulated hour. */
  onHour?: (hour: number, hours: number) => void;
}

/** How one job went in one strategy's replay. */
export interface JobOutcome {
  id: string;
  start?: string;
  finish?: string;
  deadlineMet: boolean;
  pauses: number;
  /** Where it finished (or last ran). */
  site?: string;
  /** Hours later than running straight from submission: finish − submitAt − runtimeHours. */
  delayHours?: number;
}

export interface StrategyOutcome {
  totals: EnergyTotals;
  /**
   * The planner's objective on what happened: grid MWh weighted by the actual hour (objective.ts),
   * peak hours `peakWeight` times.
   */
  objective: number;
  jobs: JobOutcome[];
  /** AI energy per site and simulated hour (MWh, index = hour from the replay's start). */
  siteHourMwh: Map<string, Float64Array>;
  replans: number;
  /** Energy of checkpoint restores (the first checkpoint minutes of every resumed segment, at its power), MWh. */
  checkpointMwh: number;
  /** Hours jobs ran below full power (a GPU power cap), job-hours. */
  cappedJobHours: number;
  /**
   * Site-hours whose running jobs held more GPUs than the site has, and the most GPUs above a site's count: both 0
   * unless a plan broke the capacity rule (the replay runs what the plans say; a site here has no GPUs to refuse).
   */
  overbooked: { siteHours: number; mostGpus: number };
}

/**
 * Actual zone series, and forecasts made from them, as issued at each simulated hour. Either flat
 * noise (a number: σ = error × the series' mean at every lead, drawn afresh each hour, after
 * Wiesner et al., "Let's Wait Awhile", Middleware 2021) or a `ForecastErrorModel` (errors that grow
 * with lead, autocorrelated, biased if asked; forecast = actual × (1 + error)). Errors depend on
 * the seed and the hours only, so every strategy sees the same forecasts.
 */
export class ReplayForecasts {
  private readonly sigma: Map<string, Partial<Record<ForecastSeries, number>>>;
  private readonly timeZones: Map<string, string>;
  private readonly errors?: ForecastErrors;
  private readonly perfect: boolean;
  private readonly flat: number;

  constructor(
    private readonly world: ReplayWorld,
    forecast: number | ForecastErrorModel,
    private readonly seed: number,
    maxLead = PLANNING_HORIZON_HOURS,
    private readonly issuedForecasts?: IssuedForecasts,
    private readonly loadErrorKnown = true,
  ) {
    this.timeZones = timeZonesByZone(world.config);
    this.flat = typeof forecast === 'number' ? forecast : 0;
    const flat = this.flat;
    this.perfect = typeof forecast === 'number' ? forecast === 0 : isPerfect(forecast);
    if (typeof forecast !== 'number') this.errors = new ForecastErrors(forecast, seed, world.signals.hours, maxLead);
    this.sigma = new Map(
      [...world.signals.zones].map(([zone, series]) => {
        const sigma: Partial<Record<ForecastSeries, number>> = {};
        for (const key of FORECAST_SERIES) {
          const present = series.values.filter((v) => v?.[key] !== undefined);
          if (present.length > 0)
            sigma[key] = (flat * Math.abs(present.reduce((sum, v) => sum + v![key]!, 0))) / present.length;
        }
        return [zone, sigma] as const;
      }),
    );
  }

  /** Every site's signals over [hour, hour + hours): actual when `actual`, else as forecast at `hour`. */
  siteSignals(hour: number, hours: number, actual = false): Map<string, SiteHourSignals> {
    const random = seededRandom(this.seed * 1_000_003 + hour);
    const result = new Map<string, SiteHourSignals>();
    this.world.config.zones.forEach((zone, z) => {
      const series = this.world.signals.zones.get(zone.id)!;
      // Past the end of the data there is no forecast, as in the service when none has arrived.
      const values = Array.from({ length: hours }, (_, k) => series.values[hour + k]);
      const modelled =
        actual || this.perfect
          ? values
          : this.errors
            ? this.issued(z, values, hour)
            : values.map((v) => v && this.noisy(zone.id, v, random));
      const startMs = series.start.toMillis() + hour * HOUR_MS;
      const seen: ZoneSeries = {
        start: series.start.plus({ hours: hour }),
        hours,
        // Forecasts a provider issued by this hour (--forecasts) stand over the model's.
        values:
          actual || !this.issuedForecasts ? modelled : this.issuedForecasts.apply(zone.id, startMs, startMs, modelled),
      };
      // As the service reads them: the whole local days around the range, the day's past hours as they were.
      const range = wholeLocalDays(seen.start, hours, zone.timeZone);
      const days: ZoneSeries = {
        start: range.start,
        hours: range.hours,
        values: Array.from({ length: range.hours }, (_, k) => {
          const h = k - range.offset;
          return h < 0 ? series.values[hour + h] : seen.values[h];
        }),
      };
      const sites = this.world.config.sites.filter((s) => s.zone === zone.id);
      const loadError = actual || !this.loadErrorKnown ? undefined : this.loadError;
      for (const site of zoneSiteSignals(seen, zone, sites, [], days, loadError).sites)
        result.set(site.id, site.signals);
    });
    return result;
  }

  timeZoneOf = (zone: string): string => this.timeZones.get(zone)!;

  /**
   * The load forecast's relative error at each lead, as the planner is told it (the service: from configuration or
   * measured revisions): the error model's own; for flat noise its level at every lead. Undefined when perfect.
   */
  private get loadError(): LoadForecastError | undefined {
    if (this.perfect) return undefined;
    if (this.errors) return (lead) => this.errors!.sigma('loadMw', lead);
    return () => this.flat;
  }

  /** The zone's values as forecast at `hour` by the error model: actual × (1 + relative error), MW at least 0. */
  private issued(zone: number, values: (HourSignal | undefined)[], hour: number): (HourSignal | undefined)[] {
    const forecast = values.map((v) => v && { ...v });
    for (const key of FORECAST_SERIES) {
      if (!values.some((v) => v?.[key] !== undefined)) continue;
      const errors = this.errors!.relative(zone, key, hour, values.length);
      forecast.forEach((v, k) => {
        if (v?.[key] === undefined) return;
        const drawn = v[key] * (1 + errors[k]);
        v[key] = key === 'pricePerMwh' ? drawn : Math.max(0, drawn);
      });
    }
    return forecast;
  }

  private noisy(zone: string, value: HourSignal, random: () => number): HourSignal {
    const sigma = this.sigma.get(zone)!;
    const next: HourSignal = { ...value };
    for (const key of FORECAST_SERIES) {
      if (value[key] === undefined) continue;
      const drawn = value[key] + sigma[key]! * gaussian(random);
      next[key] = key === 'pricePerMwh' ? drawn : Math.max(0, drawn);
    }
    return next;
  }
}

/**
 * Replays one strategy hour by hour: jobs submitted by the hour become known, the planner plans
 * the horizon on that hour's forecasts, the hour's dispatch actions are carried out on the job
 * records (the service's own state machine and execution rules: resumes pay the checkpoint
 * restore, pauses checkpoint), and the energy each job used is metered against the actual series.
 */
export async function replayStrategy(
  world: ReplayWorld,
  jobs: readonly Job[],
  options: ReplayOptions,
): Promise<StrategyOutcome> {
  const { signals, config } = world;
  const horizon = options.horizonHours ?? PLANNING_HORIZON_HOURS;
  const forecasts = new ReplayForecasts(
    world,
    options.forecastModel ?? options.forecastError,
    options.seed,
    horizon,
    options.issuedForecasts,
    options.loadErrorKnown,
  );
  const startMs = signals.start.toMillis();
  const sites = new Map(config.sites.map((s) => [s.id, s]));
  const ledgers = new Map<string, HourlyMwh>(config.sites.map((s) => [s.id, new Map()]));
  const powerOf = (job: Job) => (site: string) => jobPowerMw(job.gpus, sites.get(site)!.kwPerGpu, sites.get(site)!.pue);
  const meter = (before: Job, after: Job) => {
    for (const { site, mwh } of closedSegmentEnergy(before.run?.segments, after.run?.segments, powerOf(after)))
      addHourly(ledgers.get(site)!, mwh);
  };

  // Sites that can cap power (simulated and http; Slurm with a powerCommand) get the plan's setPower.
  const capping = { capsPower: (site: string) => sites.get(site)?.capsPower ?? false };

  const arrivals = [...jobs].sort((a, b) => Date.parse(a.submittedAt) - Date.parse(b.submittedAt));
  const done: Job[] = [];
  let active: Job[] = [];
  let next = 0;
  let replans = 0;
  let overbooked = { siteHours: 0, mostGpus: 0 };
  // Each re-plan starts from the one before it (a warm start), as the service's do.
  let earlier: Plan | undefined;
  const planner = new GuidedPlanner();
  for (let hour = 0; hour < signals.hours; hour++) {
    const nowMs = startMs + hour * HOUR_MS;
    while (next < arrivals.length && Date.parse(arrivals[next].submittedAt) <= nowMs) active.push(arrivals[next++]);
    options.onHour?.(hour, signals.hours);
    if (active.length === 0) {
      if (next >= arrivals.length) break;
      continue;
    }
    const now = DateTime.fromMillis(nowMs, { zone: 'utc' });
    const input: PlanInput = planInputFrom(
      {
        start: now,
        now,
        hours: horizon,
        sites: config.sites,
        signals: forecasts.siteSignals(hour, horizon),
        timeZoneOf: forecasts.timeZoneOf,
        dataRegions: config.dataRegions,
      },
      active,
    );
    input.options = { strategy: options.strategy, objective: options.objective };
    input.earlier = earlier;
    // The replayed hour stands for the real clock the guide's solves are paced by: an hour apart, each is due.
    const planned = await planner.plan(
      input,
      { maxJobs: options.priceGuideMaxJobs ?? 0, solveSeconds: REPLAY_GUIDE_SOLVE_SECONDS },
      nowMs,
    );
    earlier = planned;
    const parts = new Map<string, JobPlan>(planned.jobs.map((p) => [p.jobId, p]));
    replans++;
    const stillActive: Job[] = [];
    const gpusHeld = new Map<string, number>();
    for (const before of active) {
      let job = before;
      // As the dispatcher does: a start or resume runs at full power, the plan's cap (setPower) follows once
      // it is recorded, so the actions are asked again after one.
      for (let round = 0; round < 2; round++) {
        const commands = actionsFor(job, parts.get(job.id), hour, now, capping);
        for (const command of commands) {
          const reason = `replay hour ${hour}: ${command.action} at ${command.site}`;
          if (command.action === 'pause') job = paused(job, now, reason);
          else if (command.action === 'setPower') job = powerSet(job, command.powerFraction ?? 1, now, reason);
          else
            job = started(
              job.state === 'queued' ? transition(job, 'scheduled', formatInstant(now), reason) : job,
              command.site,
              now,
              reason,
            );
        }
        if (!commands.some((c) => c.action === 'start' || c.action === 'resume')) break;
      }
      if (job.state === 'running') {
        gpusHeld.set(job.run!.site, (gpusHeld.get(job.run!.site) ?? 0) + job.gpus);
        const finishMs = finishTime(job, now);
        if (finishMs <= nowMs + HOUR_MS)
          job = finished(job, 'completed', DateTime.fromMillis(finishMs, { zone: 'utc' }), 'replay: work done');
      }
      meter(before, job);
      (isTerminal(job.state) ? done : stillActive).push(job);
    }
    active = stillActive;
    for (const [site, gpus] of gpusHeld) {
      const above = gpus - sites.get(site)!.gpus;
      if (above > 0)
        overbooked = { siteHours: overbooked.siteHours + 1, mostGpus: Math.max(overbooked.mostGpus, above) };
    }
  }
  // Not done when the data ends: these missed their deadlines; what ran is metered up to the end.
  const end = DateTime.fromMillis(startMs + signals.hours * HOUR_MS, { zone: 'utc' });
  for (const job of active) {
    const closed = finished(job, 'failed', end, 'replay: the data ended before its work was done');
    meter(job, closed);
    done.push(closed);
  }
  done.push(...arrivals.slice(next));

  const actual = forecasts.siteSignals(0, signals.hours, true);
  const totals = sumTotals(
    config.sites.map((site) => {
      const s = actual.get(site.id)!;
      return meterTotals(ledgers.get(site.id)!, (hourMs) => {
        const h = (hourMs - startMs) / HOUR_MS;
        return h < signals.hours
          ? {
              greenMw: s.greenMw[h],
              peak: s.peak[h] === 1,
              carbonGPerKwh: s.carbonGPerKwh[h],
              pricePerMwh: s.pricePerMwh[h],
            }
          : undefined;
      });
    }),
  );
  return {
    totals,
    objective: objectiveOf(ledgers, actual, options.objective, startMs, signals.hours),
    jobs: done.map(outcome),
    siteHourMwh: hourlyBySite(ledgers, config.sites, startMs, signals.hours),
    replans,
    overbooked,
    ...restoresAndCaps(done, powerOf),
  };
}

/**
 * Checkpoint restore energy and capped job-hours of what ran. A resumed segment (every one after a
 * job's first) restores for the job's checkpoint minutes at the power it then ran at, as the meter
 * counts it (runSegmentEnergy, the segment's power steps).
 */
function restoresAndCaps(
  jobs: readonly Job[],
  powerOf: (job: Job) => (site: string) => number,
): { checkpointMwh: number; cappedJobHours: number } {
  let checkpointMwh = 0;
  let cappedMs = 0;
  for (const job of jobs) {
    for (const [i, segment] of (job.run?.segments ?? []).entries()) {
      const start = Date.parse(segment.start);
      const end = segment.end === undefined ? start : Date.parse(segment.end);
      if (i > 0) {
        const restored = Math.min(end, start + job.checkpointMinutes * 60_000);
        for (const mwh of runSegmentEnergy(start, restored, powerOf(job)(segment.site), segment.power).values())
          checkpointMwh += mwh;
      }
      // Time below full power: from each step to the next (or the segment's end).
      (segment.power ?? []).forEach((step, k, steps) => {
        const from = Math.max(start, Date.parse(step.at));
        const to = Math.min(end, k + 1 < steps.length ? Date.parse(steps[k + 1].at) : end);
        if (step.fraction < 1 && to > from) cappedMs += to - from;
      });
    }
  }
  return { checkpointMwh, cappedJobHours: cappedMs / HOUR_MS };
}

/**
 * The planner's objective (objective.ts) of the energy each site used, on the actual series: grid
 * MWh (what the site's green supply did not cover in the hour) × the hour's weight, peak hours
 * counted `peakWeight` times (the planner's default). Energy past the data is grid, as the meter counts it.
 */
function objectiveOf(
  ledgers: Map<string, HourlyMwh>,
  actual: Map<string, SiteHourSignals>,
  objective: Objective,
  startMs: number,
  hours: number,
): number {
  let sum = 0;
  for (const [site, ledger] of ledgers) {
    const s = actual.get(site)!;
    for (const [hourMs, mwh] of ledger) {
      const h = (hourMs - startMs) / HOUR_MS;
      const known = h < hours;
      const weight = gridWeight(
        objective,
        DEFAULT_PLAN_OPTIONS.peakWeight,
        known && s.peak[h] === 1,
        (known && s.carbonGPerKwh[h]) || 0,
        (known && s.pricePerMwh[h]) || 0,
      );
      sum += Math.max(0, mwh - (known ? s.greenMw[h] : 0)) * weight;
    }
  }
  return sum;
}

/**
 * When a running job's work is done: after any checkpoint restore, its remaining work at the rate of
 * the power it runs at now (full rate uncapped; caps change only on the hour, with a re-plan).
 */
function finishTime(job: Job, now: DateTime): number {
  const restoredAt = job.run?.restoringUntil
    ? Math.max(now.toMillis(), Date.parse(job.run.restoringUntil))
    : now.toMillis();
  const rate = throughputAt(job.power, currentPowerFraction(job));
  return restoredAt + ((job.runtimeHours - workDone(job, now)) / rate) * HOUR_MS;
}

function outcome(job: Job): JobOutcome {
  const finish = job.state === 'completed' ? job.history[job.history.length - 1].at : undefined;
  const submitted = Date.parse(job.submittedAt);
  return {
    id: job.id,
    start: job.run?.segments[0]?.start,
    finish,
    deadlineMet: finish !== undefined && Date.parse(finish) <= Date.parse(job.deadline),
    pauses: job.history.filter((change) => change.to === 'paused').length,
    site: job.run?.site,
    delayHours: finish ? Math.max(0, (Date.parse(finish) - submitted) / HOUR_MS - job.runtimeHours) : undefined,
  };
}

function hourlyBySite(
  ledgers: Map<string, HourlyMwh>,
  sites: readonly SiteConfig[],
  startMs: number,
  hours: number,
): Map<string, Float64Array> {
  return new Map(
    sites.map((site) => {
      const byHour = new Float64Array(hours);
      for (const [hourMs, mwh] of ledgers.get(site.id)!) {
        const h = (hourMs - startMs) / HOUR_MS;
        if (h >= 0 && h < hours) byHour[h] += mwh;
      }
      return [site.id, byHour] as const;
    }),
  );
}
