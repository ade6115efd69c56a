import { Inject, Injectable, Logger } from '@nestjs/common';
import { DelayedError, type Job as QueueJob } from 'bullmq';
import type { DateTime } from 'luxon';
import { CLOCK } from '../config/config.module.js';
import { WestwindConfig, timeZonesByZone } from '../config/westwind-config.js';
import { actionsFor, type DispatchCommand, pauseReason, planKnowsJob } from '../domain/execution/dispatch-decision.js';
import { finished, paused, powerSet, started } from '../domain/execution/job-run.js';
import type { Job, PendingAction } from '../domain/jobs/job.js';
import { isTerminal, transition } from '../domain/jobs/job-state-machine.js';
import type { Clock } from '../domain/time/clock.js';
import { formatInstant } from '../domain/time/instant.js';
import { JobsRepository, SiteFullError } from '../jobs/jobs.repository.js';
import { JobChanges } from '../jobs/job-changes.js';
import { Metrics } from '../metrics/metrics.js';
import { PlanRepository } from '../plans/plan.repository.js';
import { DispatchQueues } from './dispatch-queues.js';
import {
  DISPATCH_RECHECK_MS,
  ROOM_RECHECK_FOR_MS,
  ROOM_RECHECK_MS,
  STALE_PLAN_GRACE_MINUTES,
} from './execution.constants.js';
import {
  type ExecutorOrder,
  type PowerOrder,
  type SiteActionName,
  supportsPowerCapping,
} from './executors/site-executor.js';
import { SiteExecutors } from './site-executors.js';

export type DispatchOutcome = { outcome: 'done' | 'skipped'; detail: string };

/**
 * The command's action does not apply yet (another action on the job is in flight, or its site has
 * no room until a pause there is through): look again shortly.
 */
class NotYet extends Error {
  constructor(readonly forGpus = false) {
    super();
  }
}

/**
 * Carries out one dispatch command. A command is claimed on the job record before the site is
 * told (compare-and-set), so two workers never act on one job at once and a command cut short by a
 * crash is carried through on retry with the same id, which the site recognises. Before claiming,
 * the command is checked against the current plan: one a newer plan no longer wants is skipped.
 */
@Injectable()
export class DispatchProcessor {
  private readonly logger = new Logger('Dispatch');
  private readonly timeZoneOf: (site: string) => string;

  constructor(
    private readonly jobs: JobsRepository,
    private readonly plans: PlanRepository,
    private readonly executors: SiteExecutors,
    private readonly queues: DispatchQueues,
    private readonly changes: JobChanges,
    private readonly metrics: Metrics,
    @Inject(CLOCK) private readonly clock: Clock,
    config: WestwindConfig,
  ) {
    const zones = timeZonesByZone(config);
    const sites = new Map(config.sites.map((site) => [site.id, zones.get(site.zone)!]));
    this.timeZoneOf = (site) => sites.get(site) ?? 'UTC';
  }

  async process(queueJob: QueueJob<DispatchCommand>, token?: string): Promise<DispatchOutcome> {
    const command = queueJob.data;
    try {
      if (command.action === 'cancel') return await this.cancel(command);
      const job = await this.claim(command);
      if (!job) return { outcome: 'skipped', detail: 'the current plan no longer asks for it' };
      const executor = this.executors.forSite(command.site);
      if (command.action === 'setPower') {
        // The site's executor lost the ability (a configuration change): the job runs on as it is.
        if (!supportsPowerCapping(executor)) {
          await this.release(command);
          return { outcome: 'skipped', detail: `${command.site} cannot cap power` };
        }
        await executor.setPower(powerOrderFor(command, job, this.clock.now()));
      } else await executor.perform(orderFor(command, command.action, job, this.clock.now()));
      return await this.record(command);
    } catch (error) {
      if (error instanceof NotYet) {
        // A start waiting for GPUs looks again soon while the pause freeing them is likely on its way; one
        // that has waited a second waits for something slower (a job finishing), at the usual pace.
        const soon = error.forGpus && Date.now() - queueJob.timestamp < ROOM_RECHECK_FOR_MS;
        await queueJob.moveToDelayed(Date.now() + (soon ? ROOM_RECHECK_MS : DISPATCH_RECHECK_MS), token);
        throw new DelayedError();
      }
      if (queueJob.attemptsMade + 1 >= (queueJob.opts.attempts ?? 1))
        await this.fail(command, error as Error, queueJob.attemptsMade + 1);
      throw error;
    }
  }

  /** Marks the job as being acted on by this command; undefined when the command no longer applies. */
  private async claim(command: DispatchCommand): Promise<Job | undefined> {
    const job = await this.jobs.get(command.jobId);
    if (!job) return undefined;
    if (job.pendingAction?.id === command.id) return job; // claimed before a crash: carry it through
    if (job.pendingAction) throw new NotYet();
    const [meta, part] = await Promise.all([this.plans.meta(), this.plans.jobPlan(command.jobId)]);
    const now = this.clock.now();
    const hourStart = now.startOf('hour');
    if (
      meta &&
      Date.parse(meta.start) < hourStart.toMillis() &&
      now < hourStart.plus({ minutes: STALE_PLAN_GRACE_MINUTES })
    )
      throw new NotYet();
    // A plan made before the job's last action was claimed (and not the one it was checked against) has no say.
    if (meta && !planKnowsJob(job, meta)) return undefined;
    // A setPower carries the fraction the current plan wants, whichever plan's command it is.
    const checkedAgainst = meta?.version ?? command.planVersion;
    const wanted = actionsFor(job, part, checkedAgainst, now, this.executors.dispatchSites).find(
      (c) => c.action === command.action && c.site === command.site,
    );
    if (!wanted) return undefined;
    if (!ready(job, command)) throw new NotYet();
    const pending: PendingAction = {
      id: command.id,
      action: command.action,
      site: command.site,
      planVersion: command.planVersion,
      segment: command.segment,
      since: formatInstant(now),
      checkedAgainst,
      ...(wanted.powerFraction !== undefined && { powerFraction: wanted.powerFraction }),
    };
    // A start or resume takes its GPUs only when they are free: the pause that makes room for it in
    // the same plan may still be on its way, and a site is never asked to hold more than it has.
    return this.jobs
      .update(
        command.jobId,
        (latest) => {
          // Another worker got there first, or the job changed: decide again shortly.
          if (latest.pendingAction || latest.state !== job.state) throw new NotYet();
          return { ...latest, pendingAction: pending };
        },
        { withinSiteGpus: true },
      )
      .catch((error: Error) => {
        if (!(error instanceof SiteFullError)) throw error;
        this.metrics.gpuWaits.inc({ site: command.site });
        throw new NotYet(true);
      });
  }

  /** The site took the command: the job record follows. */
  private async record(command: DispatchCommand): Promise<DispatchOutcome> {
    // The reason of the plan the command was checked against (it may be newer than the command's).
    const [meta, part] = await Promise.all([this.plans.meta(), this.plans.jobPlan(command.jobId)]);
    const version = meta?.version ?? command.planVersion;
    const now = this.clock.now();
    let cancelledMeanwhile = false;
    let unknownToPlan = false;
    const recorded = await this.jobs.update(command.jobId, (job) => {
      cancelledMeanwhile = false;
      if (job.pendingAction?.id !== command.id) return job;
      const rest = { ...job, pendingAction: undefined, lastAction: job.pendingAction };
      // A plan made before this action was claimed does not speak for it: the one that approved it does, by number.
      const known = !meta || planKnowsJob(rest, meta);
      unknownToPlan = !known;
      const approvedBy = known ? version : (job.pendingAction.checkedAgainst ?? command.planVersion);
      const reason = part && known ? `plan ${version}: ${part.reason}` : `plan ${approvedBy}`;
      const pausedBecause = known ? pauseReason(part, version, command.site, now, this.timeZoneOf) : reason;
      if (isTerminal(job.state)) {
        cancelledMeanwhile = command.action === 'start' || command.action === 'resume';
        return rest;
      }
      if (command.action === 'pause') return paused(rest, now, pausedBecause);
      if (command.action === 'setPower') {
        // Still running there (not finished or moved meanwhile): the site runs it at the new cap.
        const fraction = job.pendingAction.powerFraction ?? 1;
        if (rest.state !== 'running' || rest.run?.site !== command.site) return rest;
        return powerSet(rest, fraction, now, `${powerWords(fraction)}; ${reason}`);
      }
      const scheduled = rest.state === 'queued' ? transition(rest, 'scheduled', formatInstant(now), reason) : rest;
      return started(scheduled, command.site, now, reason);
    });
    // A plan made while this action was in flight skipped the job (one action at a time): what the
    // current plan asks of it now (a start finished just as the peak began: its pause) goes out at
    // once, not at the next re-plan (an hour later at worst) — if that plan knew of this action.
    if (!recorded.pendingAction && !unknownToPlan)
      await this.queues.send(actionsFor(recorded, part, version, this.clock.now(), this.executors.dispatchSites));
    // The plan in force was read before this action: the next one, made knowing it, is due now.
    if (unknownToPlan) await this.changes.announce({ jobId: command.jobId, change: 'off plan' });
    // Cancelled while the site was starting it: stop it there too.
    if (cancelledMeanwhile)
      await this.executors
        .forSite(command.site)
        .perform(
          orderFor(
            { ...command, id: `${command.id}.undo` },
            'cancel',
            (await this.jobs.get(command.jobId))!,
            this.clock.now(),
          ),
        );
    return { outcome: 'done', detail: `${command.action} at ${command.site}` };
  }

  private async cancel(command: DispatchCommand): Promise<DispatchOutcome> {
    const job = await this.jobs.get(command.jobId);
    if (!job) return { outcome: 'skipped', detail: 'job not found' };
    await this.executors.forSite(command.site).perform(orderFor(command, 'cancel', job, this.clock.now()));
    return { outcome: 'done', detail: `cancel at ${command.site}` };
  }

  /** The site kept failing: the job fails with the cause; other jobs carry on. */
  private async fail(command: DispatchCommand, error: Error, attempts: number): Promise<void> {
    const cause = `${command.action} at ${command.site} failed after ${attempts} attempt(s): ${error.message}`;
    this.logger.warn(`job ${command.jobId}: ${cause}`);
    // A cap the site could not apply leaves the job running as it was (its record keeps the fraction
    // it runs at); the next re-plan that still wants the cap sends it again. Failing the job would
    // throw its work away for a power limit.
    if (command.action === 'setPower') return this.release(command);
    await this.jobs
      .update(command.jobId, (job) => {
        if (isTerminal(job.state))
          return job.pendingAction?.id === command.id ? { ...job, pendingAction: undefined } : job;
        return { ...finished(job, 'failed', this.clock.now(), cause), pendingAction: undefined };
      })
      .catch((e: Error) => this.logger.error(`could not mark ${command.jobId} failed: ${e.message}`));
  }

  /** Lets go of the command's claim on the job, changing nothing else. */
  private async release(command: DispatchCommand): Promise<void> {
    await this.jobs
      .update(command.jobId, (job) =>
        job.pendingAction?.id === command.id ? { ...job, pendingAction: undefined } : job,
      )
      .catch((e: Error) => this.logger.error(`could not release ${command.jobId}: ${e.message}`));
  }
}

/** Whether the job is in the state the command acts on. */
function ready(job: Job, command: DispatchCommand): boolean {
  switch (command.action) {
    case 'start':
      return job.state === 'queued' || job.state === 'scheduled';
    case 'resume':
      return job.state === 'paused';
    case 'pause':
    case 'setPower':
      return job.state === 'running' && job.run?.site === command.site;
    default:
      return true;
  }
}

/** "capped to 70% power", or "full power" for 1. */
function powerWords(fraction: number): string {
  return fraction < 1 ? `capped to ${Math.round(fraction * 100)}% power` : 'full power';
}

function powerOrderFor(command: DispatchCommand, job: Job, now: DateTime): PowerOrder {
  const { action: _action, ...order } = orderFor(command, 'pause', job, now);
  return { ...order, action: 'setPower', powerFraction: job.pendingAction?.powerFraction ?? 1 };
}

function orderFor(command: DispatchCommand, action: SiteActionName, job: Job, now: DateTime): ExecutorOrder {
  return {
    actionId: command.id,
    action,
    jobId: command.jobId,
    site: command.site,
    planVersion: command.planVersion,
    segment: command.segment,
    job: {
      name: job.name,
      gpus: job.gpus,
      runtimeHours: job.runtimeHours,
      doneHours: job.run?.checkpointedHours ?? 0,
      checkpointMinutes: job.checkpointMinutes,
      callbackUrl: job.callbackUrl,
      slurm: job.slurm,
      power: job.power,
    },
    at: formatInstant(now),
  };
}
