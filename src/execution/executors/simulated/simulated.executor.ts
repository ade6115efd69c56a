import { Redis } from 'ioredis';
import { DateTime } from 'luxon';
import type { Clock } from '../../../domain/time/clock.js';
import { formatInstant } from '../../../domain/time/instant.js';
import { RedisKeys } from '../../../redis/redis-keys.js';
import type { ExecutionReports, ExecutorOrder, SiteExecutor } from '../site-executor.js';
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
}

/** One line of a simulated site's own log: what it was told and did. */
export interface SimulatedLogEntry {
  at: string;
  action: string;
  jobId: string;
  actionId: string;
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
};

/**
 * A site that runs jobs against the service clock: a started job progresses one hour of work per
 * hour; a resumed one first spends its checkpoint minutes restoring. Its state lives in Redis like
 * a real site's would survive a Westwind restart. `tick` reports progress and completion.
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
   * Reports each running job's progress (once per hour of work) and completion. A report the
   * service could not take yet is sent again on the next tick.
   */
  async tick(reports: ExecutionReports): Promise<void> {
    const now = this.clock.now().toMillis();
    const runs = await this.redis.hgetall(this.keys.simulatedSite(this.site));
    for (const [jobId, text] of Object.entries(runs)) {
      const run = JSON.parse(text) as SimulatedRun;
      const from = Math.max(Date.parse(run.since), run.restoringUntil ? Date.parse(run.restoringUntil) : 0);
      const done = run.doneHours + Math.max(0, now - from) / HOUR_MS;
      const replace = (next: string) =>
        (this.redis as SimulatedRedis).replaceSimulatedRun(this.keys.simulatedSite(this.site), jobId, text, next);
      if (done >= run.runtimeHours - 1e-9) {
        const finishedAt = formatInstant(
          DateTime.fromMillis(from + (run.runtimeHours - run.doneHours) * HOUR_MS, { zone: 'utc' }),
        );
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
