import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Queue } from 'bullmq';
import { Subscription } from 'rxjs';
import { CLOCK } from '../config/config.module.js';
import { WestwindConfig, timeZonesByZone } from '../config/westwind-config.js';
import { isTerminal, transition } from '../domain/jobs/job-state-machine.js';
import { plan } from '../domain/planner/plan.js';
import { type Clock, hourlyRepeat } from '../domain/time/clock.js';
import type { DispatchActionName, Job, Lateness } from '../domain/jobs/job.js';
import { summarisePlan } from '../domain/planner/plan-summary.js';
import type { JobPlan, Plan, PlanInput } from '../domain/planner/plan-types.js';
import type { DateTime } from 'luxon';
import { formatInstant } from '../domain/time/instant.js';
import { JobsRepository } from '../jobs/jobs.repository.js';
import { JobChanges } from '../jobs/job-changes.js';
import { SignalsService } from '../signals/signals.service.js';
import { planInputFrom, PLANNING_HORIZON_HOURS } from '../domain/planner/plan-input.js';
import { planLateRisks } from '../domain/planner/lateness-risk.js';
import type { SiteHourSignals } from '../domain/signals/site-signals.js';
import { Metrics } from '../metrics/metrics.js';
import { PlanRepository } from '../plans/plan.repository.js';
import { PlanDispatcher } from './plan-dispatcher.js';
import { PlanThread } from './plan-thread.js';
import {
  BASELINE_INTERVAL_MS,
  HOUR_BOUNDARY,
  HOURLY_REPLAN_SCHEDULER,
  PLANNING_QUEUE,
  REPLAN_DEDUPLICATION_ID,
  REPLAN_JOB,
  URGENT_REPLAN_DEDUPLICATION_ID,
  URGENT_REPLAN_PRIORITY,
} from './planning.constants.js';

/** Re-plan requests this close together in one process are sent as one. */
const COALESCE_MS = 100;

export interface ReplanResult {
  version: number;
  jobs: number;
  /** Dispatch actions sent, by action. */
  actions: Partial<Record<DispatchActionName, number>>;
  ms: number;
}

function withLateness(job: Job, late: Lateness | undefined): Job {
  if (late) return { ...job, late };
  const { late: _, ...rest } = job;
  return rest;
}

/** Job records updated per round of concurrent updates. */
const UPDATE_CHUNK = 500;

/**
 * The planning loop: changes (a job submitted, cancelled or reported on, announced on JobChanges; a
 * forecast or grid event accepted) and the hourly tick ask for a re-plan through one BullMQ queue.
 * The queue runs one re-plan at a time across every instance (global concurrency 1), and a burst of
 * requests coalesces into one waiting re-plan (deduplication, keeping the last request while one runs).
 */
@Injectable()
export class PlanningService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Planning');
  private readonly subscriptions: Subscription[] = [];
  private readonly stopListening: () => void;
  private readonly timeZones: Map<string, string>;
  private readonly pendingReasons = new Set<string>();
  private pendingTimer?: NodeJS.Timeout;
  /** When this process last stored a fifo baseline (performance.now()). */
  private baselineAt = -Infinity;

  constructor(
    @InjectQueue(PLANNING_QUEUE) private readonly queue: Queue,
    private readonly jobs: JobsRepository,
    private readonly plans: PlanRepository,
    private readonly signals: SignalsService,
    jobChanges: JobChanges,
    private readonly dispatch: PlanDispatcher,
    private readonly planThread: PlanThread,
    private readonly metrics: Metrics,
    private readonly config: WestwindConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.timeZones = timeZonesByZone(config);
    this.stopListening = jobChanges.listen((change) => this.requestReplan(`job ${change.change}`));
    this.subscriptions.push(
      signals.changes.subscribe((change) =>
        change.urgent
          ? void this.requestUrgentReplan(`grid event now in ${change.zone}`)
          : this.requestReplan(`signals changed in ${change.zone}`),
      ),
      // The plan stored meanwhile was made without it.
      planThread.guideSolved.subscribe(() => this.requestReplan('price guide solved')),
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.queue.setGlobalConcurrency(1);
    // On every hour boundary of the service clock.
    await this.queue.upsertJobScheduler(HOURLY_REPLAN_SCHEDULER, hourlyRepeat(this.clock), {
      name: REPLAN_JOB,
      data: { reason: HOUR_BOUNDARY },
    });
    // Whatever happened while no instance ran (a restart): plan and dispatch from what is stored.
    this.requestReplan('service started');
  }

  async onModuleDestroy(): Promise<void> {
    this.subscriptions.forEach((s) => s.unsubscribe());
    this.stopListening();
    await this.flush();
  }

  /**
   * Asks for a re-plan; never fails the caller (the hourly tick catches up if Redis was away).
   * Requests within COALESCE_MS of each other in this process travel as one, so a burst of
   * submissions costs one queue write, not one per submission.
   */
  requestReplan(reason: string): void {
    if (this.pendingReasons.size === 0) this.pendingTimer = setTimeout(() => void this.flush(), COALESCE_MS);
    this.pendingReasons.add(reason);
  }

  /**
   * Asks for a re-plan now, past the coalescing and the planner's rest (a grid emergency starting
   * now): the request goes out at once, and lifts the rest of a queue that is resting, so the
   * planner takes it within REST_RECHECK_MS of the last re-plan's end. A re-plan running already
   * finishes first (one at a time); whichever re-plan starts next sees the new signals. Requests
   * share one waiting re-plan; the worker frees the deduplication once it takes it, so a request
   * made while it runs (a second event) queues another rather than being dropped.
   * Never fails the caller; resolves once the request is in the queue.
   */
  async requestUrgentReplan(reason: string): Promise<void> {
    try {
      await this.queue.add(
        REPLAN_JOB,
        { reason, urgent: true },
        {
          deduplication: { id: URGENT_REPLAN_DEDUPLICATION_ID },
          priority: URGENT_REPLAN_PRIORITY,
          removeOnComplete: 100,
          removeOnFail: 100,
        },
      );
      await this.queue.removeRateLimitKey();
    } catch (error) {
      this.logger.warn(`urgent re-plan request lost (${reason}): ${(error as Error).message}`);
    }
  }

  private async flush(): Promise<void> {
    clearTimeout(this.pendingTimer);
    if (this.pendingReasons.size === 0) return;
    const reason = [...this.pendingReasons].slice(0, 5).join('; ') + (this.pendingReasons.size > 5 ? '; …' : '');
    this.pendingReasons.clear();
    await this.queue
      .add(
        REPLAN_JOB,
        { reason },
        {
          deduplication: { id: REPLAN_DEDUPLICATION_ID, keepLastIfActive: true },
          removeOnComplete: 100,
          removeOnFail: 100,
        },
      )
      .catch((error: Error) => this.logger.warn(`re-plan request lost (${reason}): ${error.message}`));
  }

  /** Plans every unfinished job against the current signals, stores the plan and dispatches what is due now. */
  async replan(reason: string): Promise<ReplanResult> {
    const started = performance.now();
    const now = this.clock.now();
    const { jobs, input, signals } = await this.planInput(now);
    const result = await this.planThread.plan(input);
    this.addLateRisks(result, input, signals);
    await this.noteLateness(jobs, result.jobs, now, reason);
    const summary = summarisePlan(result, new Map(input.jobs.map((j) => [j.id, j])), (gpus, site) =>
      this.jobs.powerMw({ gpus }, site),
    );
    const version = await this.plans.save(result, formatInstant(now), reason, summary);
    await this.markScheduled(jobs, result.jobs, version, now);
    const actions = await this.dispatch.dispatchPlan(version, result.jobs, jobs);
    const ms = performance.now() - started;
    this.metrics.replanSeconds.observe(ms / 1000);
    this.logger.log(
      `plan ${version}: ${jobs.length} jobs, actions ${JSON.stringify(actions)} in ${ms.toFixed(0)} ms (${reason})`,
    );
    if (performance.now() - this.baselineAt >= BASELINE_INTERVAL_MS) {
      await this.saveBaseline(input, result, now, version).catch((error: Error) =>
        this.logger.warn(`fifo baseline not stored: ${error.message}`),
      );
    }
    return { version, jobs: jobs.length, actions, ms };
  }

  /**
   * Plans the same input fifo and stores it beside this plan's totals, for the dashboard's
   * comparison; after dispatch, and at most every BASELINE_INTERVAL_MS, so it delays no action.
   */
  private async saveBaseline(input: PlanInput, westwind: Plan, now: DateTime, planVersion: number): Promise<void> {
    this.baselineAt = performance.now();
    const fifo = plan({ ...input, options: { ...input.options, strategy: 'fifo' } });
    await this.plans.saveBaseline({
      strategy: 'fifo',
      totals: fifo.totals,
      westwindTotals: westwind.totals,
      computedAt: formatInstant(now),
      planVersion,
    });
  }

  /** Each job's chance of finishing late from peaks the load forecast may have wrong, on its part of the plan. */
  private addLateRisks(result: Plan, input: PlanInput, signals: Map<string, SiteHourSignals>): void {
    // The joint draws too: a job's hours turn peak together, as the load errors behind them move.
    const sites = [...signals].map(([id, s]) => ({
      id,
      peak: s.peak,
      peakChance: s.peakChance,
      peakDraws: s.peakDraws,
    }));
    const risks = planLateRisks(result, new Map(input.jobs.map((j) => [j.id, j])), sites);
    for (const part of result.jobs) part.lateRisk = risks.get(part.jobId);
  }

  /** Every unfinished job, the planner's input for them at `now`, and the sites' signals it was made from. */
  private async planInput(
    now: DateTime,
  ): Promise<{ jobs: Job[]; input: PlanInput; signals: Map<string, SiteHourSignals> }> {
    const start = now.startOf('hour');
    const [jobs, signals, previous] = await Promise.all([
      this.jobs.active(),
      this.signals.siteSignals(start, PLANNING_HORIZON_HOURS),
      this.plans.meta(),
    ]);
    const hourDecided = previous !== undefined && Date.parse(previous.start) === start.toMillis();
    const world = {
      start,
      now,
      hourDecided,
      hours: PLANNING_HORIZON_HOURS,
      sites: this.config.sites,
      signals,
      timeZoneOf: (zone: string) => this.timeZones.get(zone)!,
      dataRegions: this.config.dataRegions,
    };
    const input = planInputFrom(world, jobs);
    // The plan before is this one's warm start: where its hours still hold, they are improved on, not made afresh.
    if (previous && this.config.planner.warmStart) {
      const parts = await this.plans.jobPlans(jobs.map((job) => job.id));
      input.earlier = { start: previous.start, jobs: parts.filter((part) => part !== undefined) };
    }
    return { jobs, input, signals };
  }

  /**
   * A job whose plan stops meeting its deadline keeps, in its record, since when and what the
   * re-plan was answering (a forecast revision, a grid event, lost capacity…); its plan's reason
   * says so. On time again, the note goes.
   */
  private async noteLateness(jobs: readonly Job[], parts: JobPlan[], now: DateTime, cause: string): Promise<void> {
    const byId = new Map(jobs.map((job) => [job.id, job]));
    const updates: { id: string; late?: Lateness }[] = [];
    for (const part of parts) {
      const job = byId.get(part.jobId)!;
      if (part.meetsDeadline) {
        if (job.late) updates.push({ id: job.id });
        continue;
      }
      const late = job.late ?? { since: formatInstant(now), cause };
      if (!job.late) updates.push({ id: job.id, late });
      part.reason += `; late since ${late.since}, after: ${late.cause}`;
    }
    await this.updateEach(
      updates,
      'note lateness of',
      ({ late }) =>
        (current) =>
          isTerminal(current.state) ? current : withLateness(current, late),
    );
  }

  /** A queued job the plan places is now scheduled (concurrent updates, which ioredis pipelines). */
  private async markScheduled(
    jobs: readonly Job[],
    parts: readonly JobPlan[],
    version: number,
    now: DateTime,
  ): Promise<void> {
    const placed = new Set(parts.filter((j) => j.segments.length > 0).map((j) => j.jobId));
    const queued = jobs.filter((job) => job.state === 'queued' && placed.has(job.id));
    const at = formatInstant(now);
    await this.updateEach(
      queued,
      'mark scheduled',
      () => (current) =>
        current.state === 'queued' ? transition(current, 'scheduled', at, `planned (plan ${version})`) : current,
    );
  }

  /**
   * Updates many job records, a chunk of concurrent updates at a time (ioredis pipelines them); a
   * failure is logged, not thrown.
   */
  private async updateEach<T extends { id: string }>(
    items: readonly T[],
    what: string,
    change: (item: T) => (job: Job) => Job,
  ): Promise<void> {
    for (let i = 0; i < items.length; i += UPDATE_CHUNK) {
      await Promise.all(
        items
          .slice(i, i + UPDATE_CHUNK)
          .map((item) =>
            this.jobs
              .update(item.id, change(item))
              .catch((error: Error) => this.logger.warn(`could not ${what} ${item.id}: ${error.message}`)),
          ),
      );
    }
  }
}
