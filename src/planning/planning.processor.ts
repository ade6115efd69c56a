import { Processor, WorkerHost } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { PLANNING_QUEUE, PRUNE_SIGNALS_JOB, REPLAN_MIN_INTERVAL_MS } from './planning.constants.js';
import { PlanningService, ReplanResult } from './planning.service.js';

/**
 * Runs re-plan requests from the planning queue: one at a time across all instances (the queue's
 * global concurrency), and at most one per REPLAN_MIN_INTERVAL_MS (BullMQ's queue-wide rate
 * limit), so a stream of submissions meets a re-plan every so often, not one per request.
 */
@Processor(PLANNING_QUEUE, { limiter: { max: 1, duration: REPLAN_MIN_INTERVAL_MS } })
export class PlanningProcessor extends WorkerHost {
  constructor(private readonly planning: PlanningService) {
    super();
  }

  process(job: Job<{ reason?: string }>): Promise<ReplanResult | { hours: number; events: number; energyHours: number }> {
    if (job.name === PRUNE_SIGNALS_JOB) return this.planning.housekeeping();
    return this.planning.replan(job.data.reason ?? job.name);
  }
}
