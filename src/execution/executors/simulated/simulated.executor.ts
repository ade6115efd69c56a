import { Redis } from 'ioredis';
import { DateTime } from 'luxon';
import { allowedFraction, throughputAt } from '../../../domain/energy/power-curve.js';
import type { Clock } from '../../../domain/time/clock.js';
import { formatInstant } from '../../../domain/time/instant.js';
import { RedisKeys } from '../../../redis/redis-keys.js';
import type { ExecutionReports, ExecutorOrder, PowerOrder, SiteExecutor } from '../site-executor.js';
import { HOUR_MS } from '../../../domain/time/hours.js';

/** A job a simulated site is running. */
export interface SimulatedRun {
  jobId: string;
  runtimeHours: number;
  /** Work done when this run began. */
  doneHours: number;
  since: string;
  /** A resume restores the checkpoint first: no progress before this. */
  restoringUntil?: string;
  /** Whole hours of progress already reported. */
  reportedHours: number;
  /** Share of its full power the job runs at since `since` (absent: 1; set by setPower). */
  powerFraction?: number;
  /** Its work rate at that power, from the job's curve (absent: 1). */
  throughput?: number;
}

/** One line of a simulated site's own log: what it was told and did. */
export interface SimulatedLogEntry {
  at: string;
  action: string;
  jobId: string;
  actionId: string;
  /** A setPower's fraction. */
  powerFraction?: number;
}

/**
 * Action ids and log lines a simulated site keeps, like a real site's bounded history: far more
 * than any retry or restart needs (those come within minutes), so it stays idempotent, and a
 * long-running demo or soak does not grow Redis without end.
 */
export const SIMULATED_SITE_MEMORY = 100_000;

/**
 * Applies an order once: the action id is remembered (ARGV[5]: insertion order), and the run
 * table and log change in the same script, so a repeated order (a retry after a crash) changes
 * nothing. The oldest ids and log lines beyond SIMULATED_SITE_MEMORY (ARGV[6]) are let go.
 */
const APPLY_ONCE = `
if redis.call('ZADD', KEYS[2], 'NX', ARGV[5], ARGV[1]) == 0 then return 0 end
if ARGV[3] == '' then redis.call('HDEL', KEYS[1], ARGV[2]) else redis.call('HSET', KEYS[1], ARGV[2], ARGV[3]) end
redis.call('RPUSH', KEYS[3], ARGV[4])
local keep = tonumber(ARGV[6])
redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -keep - 1)
redis.call('LTRIM', KEYS[3], -keep, -1)
return 1`;

/** Replaces (or with '' deletes) a run only if it is as read: a pause in between wins over a tick. */
const REPLACE_RUN = `
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
if ARGV[3] == '' then redis.call('HDEL', KEYS[1], ARGV[1]) else redis.call('HSET', KEYS[1], ARGV[1], ARGV[3]) end
return 1`;

/**
 * Applies a setPower once, to the run as read (ARGV[3], '' for none): -1 when the run changed
 * meanwhile (a tick's report), so the caller reads it again; 0 for a repeat; 1 once applied.
 */
const APPLY_POWER_ONCE = `
if redis.call('ZSCORE', KEYS[2], ARGV[1]) then return 0 end
local current = redis.call('HGET', KEYS[1], ARGV[2]) or ''
if current ~= ARGV[3] then return -1 end
redis.call('ZADD', KEYS[2], ARGV[6], ARGV[1])
if ARGV[4] ~= '' then redis.call('HSET', KEYS[1], ARGV[2], ARGV[4]) end
redis.call('RPUSH', KEYS[3], ARGV[5])
local keep = tonumber(ARGV[7])
redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -keep - 1)
redis.call('LTRIM', KEYS[3], -keep, -1)
return 1`;

type SimulatedRedis = Redis & {
  applySimulatedOrder(
    runs: string,
    actions: string,
    log: string,
    actionId: string,
    jobId: string,
    run: string,
    entry: string,
    order: number,
    keep: number,
  ): Promise<number>;
  replaceSimulatedRun(runs: string, jobId: string, expected: string, next: string): Promise<number>;
  applySimulatedPower(
    runs: string,
    actions: string,
    log: string,
    actionId: string,
    jobId: string,
    expected: string,
    next: string,
    entry: string,
    order: number,
    keep: number,
  ): Promise<number>;
};

/**
 * A site that runs jobs against the service clock: a started job progresses one hour of work per
 * hour at full power, and at its curve's throughput once capped (setPower); a resumed one first
 * spends its checkpoint minutes restoring. Its state lives in Redis like a real site's would
 * survive a Westwind restart. `tick` reports progress and completion.
 */
export class SimulatedExecutor implements SiteExecutor {
  constructor(
    readonly site: string,
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly clock: Clock,
    private readonly memory = SIMULATED_SITE_MEMORY,
  ) {
    if (!(redis as SimulatedRedis).applySimulatedOrder) {
      redis.defineCommand('applySimulatedOrder', { numberOfKeys: 3, lua: APPLY_ONCE });
      redis.defineCommand('replaceSimulatedRun', { numberOfKeys: 1, lua: REPLACE_RUN });
      redis.defineCommand('applySimulatedPower', { numberOfKeys: 3, lua: APPLY_POWER_ONCE });
    }
  }

  async perform(order: ExecutorOrder): Promise<void> {
    const now = this.clock.now();
    let run: SimulatedRun | undefined;
    if (order.action === 'start' || order.action === 'resume') {
      run = {
        jobId: order.jobId,
        runtimeHours: order.job.runtimeHours,
        doneHours: order.job.doneHours,
        since: formatInstant(now),
        restoringUntil:
          order.action === 'resume' ? formatInstant(now.plus({ minutes: order.job.checkpointMinutes })) : undefined,
        reportedHours: Math.floor(order.job.doneHours),
      };
    }
    // A pause checkpoints and frees the GPUs; a cancel just frees them.
    const entry: SimulatedLogEntry = {
      at: formatInstant(now),
      action: order.action,
      jobId: order.jobId,
      actionId: order.actionId,
    };
    await (this.redis as SimulatedRedis).applySimulatedOrder(
      this.keys.simulatedSite(this.site),
      this.keys.simulatedSiteActions(this.site),
      this.keys.simulatedSiteLog(this.site),
      order.actionId,
      order.jobId,
      run ? JSON.stringify(run) : '',
      JSON.stringify(entry),
      Date.now(),
      this.memory,
    );
  }

  /**
   * Caps a running job's power: the work done so far at the old rate is kept, and from now the job
   * advances at its curve's throughput for the fraction. A job not running here is left alone (the
   * order is taken and logged: nothing to cap).
   */
  async setPower(order: PowerOrder): Promise<void> {
    const runs = this.keys.simulatedSite(this.site);
    for (;;) {
      const now = this.clock.now();
      const text = (await this.redis.hget(runs, order.jobId)) ?? '';
      const fraction = allowedFraction(order.job.power, order.powerFraction);
      let next = '';
      if (text) {
        const run = JSON.parse(text) as SimulatedRun;
        const capped: SimulatedRun = {
          ...run,
          doneHours: Math.min(run.runtimeHours, doneBy(run, now.toMillis())),
          since: formatInstant(now),
          powerFraction: fraction,
          throughput: throughputAt(order.job.power, fraction),
        };
        next = JSON.stringify(capped);
      }
      const entry: SimulatedLogEntry = {
        at: formatInstant(now),
        action: text ? 'setPower' : 'setPower (not running)',
        jobId: order.jobId,
        actionId: order.actionId,
        powerFraction: fraction,
      };
      const applied = await (this.redis as SimulatedRedis).applySimulatedPower(
        runs,
        this.keys.simulatedSiteActions(this.site),
        this.keys.simulatedSiteLog(this.site),
        order.actionId,
        order.jobId,
        text,
        next,
        JSON.stringify(entry),
        Date.now(),
        this.memory,
      );
      if (applied !== -1) return;
    }
  }

  /**
   * Reports each running job's progress (once per hour of work) and completion. A report the
   * service could not take yet is sent again on the next tick.
   */
  async tick(reports: ExecutionReports): Promise<void> {
    const now = this.clock.now().toMillis();
    const runs = await this.redis.hgetall(this.keys.simulatedSite(this.site));
    for (const [jobId, text] of Object.entries(runs)) {
      const run = JSON.parse(text) as SimulatedRun;
      const from = startOfWork(run);
      const rate = run.throughput ?? 1;
      const done = doneBy(run, now);
      const replace = (next: string) =>
        (this.redis as SimulatedRedis).replaceSimulatedRun(this.keys.simulatedSite(this.site), jobId, text, next);
      // Not before its restore is over: a job resumed with its work already done (a pause that came just as it
      // finished) holds its GPUs until then, and a completion dated ahead of the clock would free them early.
      if (now >= from && done >= run.runtimeHours - 1e-9) {
        const leftHours = Math.max(0, run.runtimeHours - run.doneHours);
        const finishedAt = formatInstant(DateTime.fromMillis(from + (leftHours / rate) * HOUR_MS, { zone: 'utc' }));
        if (await reports.report(this.site, jobId, { type: 'completed', at: finishedAt })) await replace('');
      } else if (Math.floor(done) > run.reportedHours) {
        if (
          await reports.report(this.site, jobId, {
            type: 'progress',
            doneHours: done,
            at: formatInstant(DateTime.fromMillis(now, { zone: 'utc' })),
          })
        ) {
          await replace(JSON.stringify({ ...run, reportedHours: Math.floor(done) }));
        }
      }
    }
  }

  /** The site's own log, oldest first. */
  async log(): Promise<SimulatedLogEntry[]> {
    return (await this.redis.lrange(this.keys.simulatedSiteLog(this.site), 0, -1)).map(
      (line) => JSON.parse(line) as SimulatedLogEntry,
    );
  }
}

/** When the run's work began: its start or resume, after any restore. */
function startOfWork(run: SimulatedRun): number {
  return Math.max(Date.parse(run.since), run.restoringUntil ? Date.parse(run.restoringUntil) : 0);
}

/** Work done by `nowMs`: at the run's throughput since it began (or since its last setPower). */
function doneBy(run: SimulatedRun, nowMs: number): number {
  return run.doneHours + (Math.max(0, nowMs - startOfWork(run)) / HOUR_MS) * (run.throughput ?? 1);
}
