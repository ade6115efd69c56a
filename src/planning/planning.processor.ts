import { Processor, WorkerHost } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { PLANNING_QUEUE } from './planning.constants.js';
import { PlanningService, ReplanResult } from './planning.service.js';

/** Runs re-plan requests from the planning queue (one at a time across all instances). */
@Processor(PLANNING_QUEUE)
export class PlanningProcessor extends WorkerHost {
  constructor(private readonly planning: PlanningService) {
    super();
  }

  process(job: Job<{ reason?: string }>): Promise<ReplanResult> {
    return this.planning.replan(job.data.reason ?? job.name);
  }
}
