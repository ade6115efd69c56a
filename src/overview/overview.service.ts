import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { Subscription } from 'rxjs';
import { DateTime } from 'luxon';
import { CLOCK } from '../config/config.module.js';
import { WestwindConfig, timeZonesByZone } from '../config/westwind-config.js';
import {
  energyFigures,
  HourlyMwh,
  meterTotals,
  sumTotals,
  supplyFrom,
  withOpenSegments,
} from '../domain/energy/energy-meter.js';
import { nextAction, NextAction } from '../domain/execution/next-action.js';
import { isTerminal } from '../domain/jobs/job-state-machine.js';
import { Job, JOB_STATES, JobState } from '../domain/jobs/job.js';
import { LATE_RISK_THRESHOLD } from '../domain/planner/lateness-risk.js';
import type { PlanSummary } from '../domain/planner/plan-summary.js';
import type { JobPlan } from '../domain/planner/plan-types.js';
import type { Clock } from '../domain/time/clock.js';
import { formatInstant } from '../domain/time/instant.js';
import { JobsRepository } from '../jobs/jobs.repository.js';
import { PlanMeta, PlanRepository } from '../plans/plan.repository.js';
import { ChangeFeed } from '../redis/change-feed.js';
import { SIGNALS_RETENTION_DAYS, SignalsService } from '../signals/signals.service.js';
import { HOUR_MS } from '../domain/time/hours.js';

/**
 * Several dashboards and a scraper asking within this long share one reading of Redis, unless a plan or job changed
 * since: a page refreshing on that change must not be handed the reading from before it (a dashboard opened just
 * after the first plan drew the overview from before it, and no later change came to correct it).
 */
const OVERVIEW_CACHE_MS = 1000;

export type EnergyFigures = ReturnType<typeof energyFigures>;

/** One site's hours across the plan's horizon: what the chart draws. */
export interface SiteHours {
  id: string;
  zone: string;
  timeZone: string;
  gpus: number;
  /** Start of each hour, epoch seconds. */
  hours: number[];
  /** Hours from the first that have a forecast (beyond them no renewable supply is assumed). */
  forecastHours: number;
  greenMw: number[];
  gridMw: number[];
  peak: number[];
  /**
   * The chance each hour turns out a peak, where the zone's peaks follow its load forecast and are judged under its
   * error (a peak from 0.1; below 0.5 the forecast alone would not make it one: a "possible peak"); null: certain.
   */
  peakChance: number[] | null;
  /**
   * Planned AI power by what the jobs are doing now; a job the plan caps counts at its capped power
   * (`cappedOff`: the power its caps take off the running jobs' full power in each hour).
   */
  aiMw: { running: number[]; paused: number[]; waiting: number[]; cappedOff: number[] };
}

export interface Overview {
  now: string;
  /** What the jobs table can be filtered by. */
  tenants: string[];
  states: readonly JobState[];
  plan: { version: number; createdAt: string; start: string; hours: number; reason: string } | null;
  jobsByState: Record<JobState, number>;
  energy: {
    /** AI energy actually used, from run segments, over the signals' retention window. */
    metered: EnergyFigures & { since: string };
    planned: EnergyFigures | null;
    /**
     * The jobs planned fifo (each at once, where it fits) and Westwind's grid energy for the same
     * input, recomputed at most every 10 s (real time).
     */
    fifo: (EnergyFigures & { westwindGridMwh: number; computedAt: string }) | null;
    gridAvoidedMwh: number | null;
  };
  /**
   * Unfinished jobs the plan finishes after their deadline, or cannot place in the horizon (some listed); `lateRisk`:
   * those whose late risk is at least its threshold (0.1), the late ones included.
   */
  deadlineRisk: { count: number; jobs: string[]; lateRisk: { threshold: number; count: number; jobs: string[] } };
  sites: SiteHours[];
}

/** A row of the jobs table. */
export interface JobRow {
  id: string;
  tenant: string;
  name: string;
  state: JobState;
  gpus: number;
  deferrable: boolean;
  site: string | null;
  /** A running job's power cap now, as its site took it (null: full power, or not running). */
  powerFraction: number | null;
  /** The cap the plan has for the job in the current hour, if any (it may not have reached the site yet). */
  plannedPowerFraction: number | null;
  next: NextAction | null;
  expectedFinish: string | null;
  deadline: string;
  late: boolean;
  /** The plan's chance that it finishes late (3 decimals; see PlannedJobDto.lateRisk); null: finished, or none. */
  lateRisk: number | null;
  reason: string;
}

/**
 * What operators look at, read from Redis through the jobs, plan and signals repositories so every
 * instance shows the same: the plan across its horizon per site, energy metered and planned, jobs
 * by state and the jobs table. Feeds the dashboard and the metrics endpoint.
 */
@Injectable()
export class OverviewService implements OnModuleInit, OnModuleDestroy {
  private cached?: { at: number; overview: Promise<Overview> };
  private watching?: Subscription;

  constructor(
    private readonly jobs: JobsRepository,
    private readonly plans: PlanRepository,
    private readonly signals: SignalsService,
    private readonly config: WestwindConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly feed: ChangeFeed,
  ) {}

  onModuleInit(): void {
    this.watching = this.feed.changes.subscribe({
      next: () => (this.cached = undefined),
      // Not told of changes any more: no reading is shared.
      error: () => (this.watching = undefined),
    });
  }

  onModuleDestroy(): void {
    this.watching?.unsubscribe();
  }

  overview(): Promise<Overview> {
    const at = performance.now();
    if (!this.watching || !this.cached || at - this.cached.at > OVERVIEW_CACHE_MS) {
      const overview = this.read();
      this.cached = { at, overview };
      overview.catch(() => (this.cached = undefined));
    }
    return this.cached.overview;
  }

  /** Counts per state across tenants. */
  jobsByState(): Promise<Record<JobState, number>> {
    return this.jobs.countByState(this.config.tenants.map((t) => t.id));
  }

  /** Newest jobs first across tenants (or one), optionally in one state. */
  async jobRows(filter: { state?: JobState; tenant?: string; limit: number }): Promise<JobRow[]> {
    const tenants = this.config.tenants.map((t) => t.id).filter((t) => !filter.tenant || t === filter.tenant);
    const pages = await Promise.all(tenants.map((t) => this.jobs.page(t, filter.state, filter.limit)));
    // Ids are UUIDv7: their order is submission order.
    const jobs = pages
      .flatMap((p) => p.jobs)
      .sort((a, b) => (a.id < b.id ? 1 : -1))
      .slice(0, filter.limit);
    const parts = await this.plans.jobPlans(jobs.map((j) => j.id));
    const now = this.clock.now();
    return jobs.map((job, i) => toRow(job, parts[i], now));
  }

  private async read(): Promise<Overview> {
    const now = this.clock.now();
    const tenants = this.config.tenants.map((t) => t.id);
    const [meta, summary, baseline, jobsByState, running] = await Promise.all([
      this.plans.meta(),
      this.plans.summary(),
      this.plans.baseline(),
      this.jobsByState(),
      this.jobs.inState(tenants, 'running'),
    ]);
    const [metered, sites] = await Promise.all([this.metered(running, now), this.siteHours(meta, summary, now)]);
    return {
      now: formatInstant(now),
      tenants,
      states: JOB_STATES,
      plan: meta
        ? {
            version: meta.version,
            createdAt: meta.createdAt,
            start: meta.start,
            hours: meta.hours,
            reason: meta.reason,
          }
        : null,
      jobsByState,
      energy: {
        metered,
        planned: meta ? energyFigures(meta.totals) : null,
        fifo: baseline
          ? {
              ...energyFigures(baseline.totals),
              westwindGridMwh: round(baseline.westwindTotals.gridMwh),
              computedAt: baseline.computedAt,
            }
          : null,
        gridAvoidedMwh: baseline ? round(baseline.totals.gridMwh - baseline.westwindTotals.gridMwh) : null,
      },
      deadlineRisk: {
        ...(summary?.late ?? { count: 0, jobs: [] }),
        lateRisk: summary?.lateRisk ?? { threshold: LATE_RISK_THRESHOLD, count: 0, jobs: [] },
      },
      sites,
    };
  }

  /** Energy the sites' ledgers metered (closed segments) plus the running segments so far. */
  private async metered(running: readonly Job[], now: DateTime): Promise<EnergyFigures & { since: string }> {
    const sinceHour = now.startOf('hour').minus({ days: SIGNALS_RETENTION_DAYS });
    const since = sinceHour.toMillis();
    const ledgers = await Promise.all(this.config.sites.map((site) => this.jobs.meteredEnergy(site.id)));
    const used = withOpenSegments(
      new Map<string, HourlyMwh>(this.config.sites.map((site, i) => [site.id, ledgers[i]])),
      running,
      now.toMillis(),
      (job, site) => this.jobs.powerMw(job, site),
    );
    // Signals only from the first metered hour in the retention window: usually far less than 30 days.
    const first = Math.min(
      ...[...used.values()].flatMap((byHour) => [...byHour.keys()].filter((hour) => hour >= since)),
    );
    if (!Number.isFinite(first)) return { ...energyFigures(sumTotals([])), since: formatInstant(sinceHour) };
    const hours = Math.ceil((now.toMillis() - first) / HOUR_MS);
    const supply = await this.signals.siteSignals(DateTime.fromMillis(first, { zone: 'utc' }), hours);
    const supplyAt = supplyFrom(supply, first, hours);
    const totals = sumTotals(
      [...used].map(([site, byHour]) => {
        const recent = new Map([...byHour].filter(([hour]) => hour >= first));
        return meterTotals(recent, (hour) => supplyAt(site, hour));
      }),
    );
    return { ...energyFigures(totals), since: formatInstant(sinceHour) };
  }

  /** Each site's chart across the plan's horizon (or the next day, before any plan). */
  private async siteHours(
    meta: PlanMeta | undefined,
    summary: PlanSummary | undefined,
    now: DateTime,
  ): Promise<SiteHours[]> {
    const start = meta ? DateTime.fromISO(meta.start, { zone: 'utc' }) : now.startOf('hour');
    const hours = meta?.hours ?? 24;
    const [signals, load] = await Promise.all([this.signals.siteSignals(start, hours), this.plans.load()]);
    const timeZones = timeZonesByZone(this.config);
    const zeros = () => new Array<number>(hours).fill(0);
    return this.config.sites.map((site) => {
      const s = signals.get(site.id);
      const stacked = summary?.loadByState[site.id];
      return {
        id: site.id,
        zone: site.zone,
        timeZone: timeZones.get(site.zone)!,
        gpus: site.gpus,
        hours: Array.from({ length: hours }, (_, h) => (start.toMillis() + h * HOUR_MS) / 1000),
        forecastHours: s?.forecastHours ?? 0,
        greenMw: s ? Array.from(s.greenMw, round) : zeros(),
        gridMw: load?.[site.id]?.map((l) => round(l.gridMw)) ?? zeros(),
        peak: s ? Array.from(s.peak) : zeros(),
        peakChance: s?.peakChance ? Array.from(s.peakChance, (p) => Math.round(p * 1000) / 1000) : null,
        aiMw: {
          running: stacked?.running.map(round) ?? zeros(),
          paused: stacked?.paused.map(round) ?? zeros(),
          waiting: stacked?.waiting.map(round) ?? zeros(),
          // Summaries stored before caps existed have none.
          cappedOff: stacked?.cappedOff?.map(round) ?? zeros(),
        },
      };
    });
  }
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

function toRow(job: Job, part: JobPlan | undefined, now: DateTime): JobRow {
  const finished = isTerminal(job.state);
  const finishedAt = finished ? job.updatedAt : (part?.finish ?? null);
  return {
    id: job.id,
    tenant: job.tenant,
    name: job.name,
    state: job.state,
    gpus: job.gpus,
    deferrable: job.deferrable,
    site: job.run?.site ?? part?.site ?? null,
    powerFraction: job.state === 'running' && job.run?.powerFraction !== undefined ? job.run.powerFraction : null,
    plannedPowerFraction: finished ? null : plannedFraction(part, now),
    next: finished ? null : (nextAction(job, part, now) ?? null),
    expectedFinish: finishedAt,
    deadline: job.deadline,
    late:
      finishedAt !== null
        ? Date.parse(finishedAt) > Date.parse(job.deadline)
        : part !== undefined && !part.meetsDeadline,
    lateRisk: finished || part?.lateRisk === undefined ? null : round(part.lateRisk),
    reason: (!finished && part?.reason) || job.history.at(-1)?.reason || '',
  };
}

/** The power fraction of the job's planned segment holding `now`, if it is capped there. */
function plannedFraction(part: JobPlan | undefined, now: DateTime): number | null {
  const at = now.toMillis();
  const segment = part?.segments.find((s) => Date.parse(s.start) <= at && at < Date.parse(s.end));
  return segment?.powerFraction !== undefined && segment.powerFraction < 1 ? segment.powerFraction : null;
}
