import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { hostname } from 'node:os';
import type { Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { CLOCK } from '../config/config.module.js';
import { type Clock, realMsUntil } from '../domain/time/clock.js';
import { masters } from '../redis/redis-connection.js';
import { BULL_CONNECTION } from '../redis/redis.module.js';
import {
  HOUR_BOUNDARY,
  HOUSEKEEPING_JOB,
  PLANNING_QUEUE,
  REPLAN_MIN_INTERVAL_MS,
  REST_RECHECK_MS,
} from './planning.constants.js';
import { type Housekeeping, HousekeepingService } from './housekeeping.service.js';
import { PlanningService, ReplanResult } from './planning.service.js';
import { restAfterReplanMs } from './replan-pacing.js';

/** How often the planning worker looks for re-plans whose worker lost their lock. */
const STALLED_CHECK_MS = 5_000;

/**
 * This process's planning worker, by name: BullMQ stores it on each job the worker takes
 * (`processedBy`) and on the worker's Redis connection, so another process can tell whether the
 * worker holding a job is still alive.
 */
export const PLANNER_WORKER_NAME = `planner@${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;

/**
 * Runs re-plan requests from the planning queue: one at a time across all instances (the queue's
 * global concurrency), and at most one per REPLAN_MIN_INTERVAL_MS (BullMQ's queue-wide rate
 * limit), so a stream of submissions meets a re-plan every so often, not one per request. A slow
 * re-plan stretches that rest (BullMQ's manual rate limit, queue-wide like the first).
 */
@Processor(PLANNING_QUEUE, {
  name: PLANNER_WORKER_NAME,
  limiter: { max: 1, duration: REPLAN_MIN_INTERVAL_MS },
  maximumRateLimitDelay: REST_RECHECK_MS,
  // A re-plan whose end Redis missed (an outage while it ran) stays active until its lock expires and a stalled check
  // finds it, and re-plan requests wait behind it (deduplicated): checked every 5 s, not BullMQ's 30 s (a CI run's
  // 30 s outage left a job submitted after it unplanned for 20 s). The lock itself stays 30 s.
  stalledInterval: STALLED_CHECK_MS,
})
export class PlanningProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger('Planning');

  constructor(
    private readonly planning: PlanningService,
    private readonly housekeeping: HousekeepingService,
    @InjectQueue(PLANNING_QUEUE) private readonly queue: Queue,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(BULL_CONNECTION) private readonly bull: Redis,
  ) {
    super();
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.releaseAbandoned().catch((error: Error) =>
      this.logger.warn(`could not look for abandoned planning jobs: ${error.message}`),
    );
  }

  async process(job: Job<{ reason?: string; urgent?: boolean }>): Promise<ReplanResult | Housekeeping> {
    if (job.name === HOUSEKEEPING_JOB) return this.housekeeping.run();
    // Taken: an urgent request from now on (a second grid event) must queue a re-plan of its own,
    // not be merged into this one, which may have read the signals already.
    if (job.data.urgent)
      await job
        .removeDeduplicationKey()
        .catch((error: Error) => this.logger.warn(`urgent re-plan ${job.id} still deduplicates: ${error.message}`));
    if (job.data.reason === HOUR_BOUNDARY) await this.untilHourBegins();
    const result = await this.planning.replan(job.data.reason ?? job.name);
    const rest = restAfterReplanMs(result.ms, this.clock.speed);
    if (rest > REPLAN_MIN_INTERVAL_MS) {
      await this.queue.rateLimit(rest);
      // An urgent request (prioritized) that came in meanwhile is not held by the rest: lifted
      // here, or by the request itself once the rest is set (PlanningService.requestUrgentReplan).
      if ((await this.queue.getPrioritizedCount()) > 0) await this.queue.removeRateLimitKey();
    }
    return result;
  }

  /**
   * The hourly tick may fire a moment before the hour of a virtual clock (its real-ms schedule is
   * rounded); the hour it is for must be planned, not the one ending, or that hour goes undecided.
   */
  private async untilHourBegins(): Promise<void> {
    const now = this.clock.now();
    const next = now.startOf('hour').plus({ hours: 1 });
    if (next.diff(now).as('minutes') < 1) await sleep(realMsUntil(this.clock, next) + 1);
  }

  /**
   * A planning job taken by a process that has since died (kill -9, OOM) stays active until its
   * lock expires and BullMQ's stalled check runs: up to a minute in which, with one planning job
   * at a time, nothing re-plans and no pause at a peak's start is sent. BullMQ cannot tell a dead
   * worker from a busy one (a large plan blocks its event loop for seconds); we can: the dead
   * worker's Redis connection is gone. Such a job goes back to waiting at once, as the stalled
   * check would move it later, and a planner runs it again (re-plans and housekeeping are idempotent).
   */
  private async releaseAbandoned(): Promise<void> {
    const active = (await this.queue.getActive()) as Job[];
    if (active.length === 0) return;
    const alive = await this.liveWorkerNames();
    for (const job of active) {
      if (!job.processedBy || alive.has(job.processedBy)) continue;
      const token = await this.bull.get(`${this.queue.toKey(job.id!)}:lock`);
      if (!token) continue; // its lock already expired: BullMQ's stalled check takes it from here
      await job.moveToWait(token);
      this.logger.warn(
        `planning job ${job.id} (${job.name}) taken by ${job.processedBy}, which is gone: back to waiting`,
      );
    }
  }

  /**
   * Names of the BullMQ workers connected to Redis right now (their connections are named
   * `…:w:<name>`). On a Cluster a worker's connections reach only some masters, so every master
   * is asked (BullMQ's getWorkers() reads one). Throws where CLIENT LIST is not allowed (some
   * managed Redis): then the stalled check alone recovers.
   */
  private async liveWorkerNames(): Promise<Set<string>> {
    const lists = await Promise.all(masters(this.bull).map((node) => node.client('LIST') as Promise<string>));
    const names = lists.flatMap((list) => [...list.matchAll(/\bname=\S*?:w:(\S+)/g)].map((m) => m[1]));
    return new Set(names);
  }
}
