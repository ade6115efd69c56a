import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Queue } from 'bullmq';
import { CLOCK } from '../config/config.module.js';
import { WestwindConfig } from '../config/westwind-config.js';
import type { Clock } from '../domain/time/clock.js';
import { HOUR_MS } from '../domain/time/hours.js';
import { JobsRepository } from '../jobs/jobs.repository.js';
import { GridEventHooks } from '../signals/grid-event-hooks.js';
import { SIGNALS_RETENTION_DAYS, SignalsService } from '../signals/signals.service.js';
import { HOUSEKEEPING_JOB, HOUSEKEEPING_SCHEDULER, PLANNING_QUEUE } from './planning.constants.js';

/** What one housekeeping run forgot. */
export interface Housekeeping {
  hours: number;
  events: number;
  /** Records of ended grid events (their curtailment baselines and VTN reports). */
  eventRecords: number;
  energyHours: number;
  finishedJobs: number;
}

/**
 * Forgets forecast hours, ended grid events' records (through GridEventHooks: planning does not
 * import events) and metered energy older than the signals' retention window, and finished jobs
 * older than theirs, so Redis does not grow with every hour and every job ever seen. Runs on the
 * planning queue (see HOUSEKEEPING_JOB), so it never overlaps a re-plan.
 */
@Injectable()
export class HousekeepingService implements OnApplicationBootstrap {
  private readonly logger = new Logger('Housekeeping');

  constructor(
    @InjectQueue(PLANNING_QUEUE) private readonly queue: Queue,
    private readonly jobs: JobsRepository,
    private readonly signals: SignalsService,
    private readonly gridEvents: GridEventHooks,
    private readonly config: WestwindConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const everyMs = Math.min(HOUR_MS, this.config.retention.finishedJobsMs / 4);
    const every = Math.max(1000, Math.round(everyMs / this.clock.speed));
    await this.queue.upsertJobScheduler(HOUSEKEEPING_SCHEDULER, { every }, { name: HOUSEKEEPING_JOB });
  }

  async run(): Promise<Housekeeping> {
    const now = this.clock.now();
    const signals = await this.signals.prune();
    const retainedFromMs = now.minus({ days: SIGNALS_RETENTION_DAYS }).toMillis();
    const eventRecords = await this.gridEvents.forget(retainedFromMs);
    if (eventRecords > 0) this.logger.log(`housekeeping forgot ${eventRecords} grid event record(s) past retention`);
    const energyHours = await this.jobs.pruneEnergy(retainedFromMs);
    const finishedJobs = await this.jobs.pruneFinished(now.toMillis() - this.config.retention.finishedJobsMs);
    if (finishedJobs > 0) {
      const retention = this.config.retention.finishedJobs;
      this.logger.log(`housekeeping forgot ${finishedJobs} finished job(s) past retention (${retention})`);
    }
    return { ...signals, eventRecords, energyHours, finishedJobs };
  }
}
