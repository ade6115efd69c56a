import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import { CLOCK } from '../config/config.module.js';
import type { Clock } from '../domain/time/clock.js';
import { PLANNING_QUEUE, HOUSEKEEPING_JOB, REPLAN_MIN_INTERVAL_MS } from './planning.constants.js';
import { type Housekeeping, PlanningService, ReplanResult } from './planning.service.js';
import { restAfterReplanMs } from './replan-pacing.js';

/**
 * Runs re-plan requests from the planning queue: one at a time across all instances (the queue's
 * global concurrency), and at most one per REPLAN_MIN_INTERVAL_MS (BullMQ's queue-wide rate
 * limit), so a stream of submissions meets a re-plan every so often, not one per request. A slow
 * re-plan stretches that rest (BullMQ's manual rate limit, queue-wide like the first).
 */
@Processor(PLANNING_QUEUE, { limiter: { max: 1, duration: REPLAN_MIN_INTERVAL_MS } })
export class PlanningProcessor extends WorkerHost {
  constructor(
    private readonly planning: PlanningService,
    @InjectQueue(PLANNING_QUEUE) private readonly queue: Queue,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    super();
  }

  async process(job: Job<{ reason?: string }>): Promise<ReplanResult | Housekeeping> {
    if (job.name === HOUSEKEEPING_JOB) return this.planning.housekeeping();
    const result = await this.planning.replan(job.data.reason ?? job.name);
    const rest = restAfterReplanMs(result.ms, this.clock.speed);
    if (rest > REPLAN_MIN_INTERVAL_MS) await this.queue.rateLimit(rest);
    return result;
  }
}
