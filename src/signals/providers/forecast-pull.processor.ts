import { Processor, WorkerHost } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { FORECAST_PULL_QUEUE, type PullJobData } from './forecast-pull.constants.js';
import { ForecastPullService, type PullOutcome } from './forecast-pull.service.js';

/** Runs forecast pulls, one at a time in this process; the queue's global concurrency makes it one across instances. */
@Processor(FORECAST_PULL_QUEUE)
export class ForecastPullProcessor extends WorkerHost {
  constructor(private readonly pulls: ForecastPullService) {
    super();
  }

  process(job: Job<PullJobData>): Promise<PullOutcome> {
    return this.pulls.pull(job.data);
  }
}
