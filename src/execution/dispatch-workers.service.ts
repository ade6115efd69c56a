import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Worker } from 'bullmq';
import { WestwindConfig } from '../config/westwind-config.js';
import type { DispatchCommand } from '../domain/execution/dispatch-decision.js';
import { JobsRepository } from '../jobs/jobs.repository.js';
import { Redis } from 'ioredis';
import { RedisKeys } from '../redis/redis-keys.js';
import { BULL_CONNECTION } from '../redis/redis.module.js';
import { DispatchQueues } from './dispatch-queues.js';
import { DispatchProcessor } from './dispatch.processor.js';
import { dispatchQueueName } from './execution.constants.js';

/**
 * A BullMQ worker per site's dispatch queue (the `dispatch` role). On start it reconciles: an
 * action a crash cut short is queued again under its own id, so it is carried through once, and the
 * sites' GPUs-held tallies are set from the job records.
 */
@Injectable()
export class DispatchWorkers implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('DispatchWorkers');
  private workers: Worker[] = [];

  constructor(
    private readonly processor: DispatchProcessor,
    private readonly queues: DispatchQueues,
    private readonly jobs: JobsRepository,
    private readonly config: WestwindConfig,
    @Inject(BULL_CONNECTION) private readonly connection: Redis,
    @Inject(RedisKeys) private readonly keys: RedisKeys,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.workers = this.config.sites.map((site) => {
      const worker = new Worker<DispatchCommand>(
        dispatchQueueName(site.id),
        (job, token) => this.processor.process(job, token),
        {
          connection: this.connection,
          prefix: this.keys.bullPrefix(),
          concurrency: site.executor.concurrency,
          limiter: { max: site.executor.maxActionsPerSecond, duration: 1000 },
          // A process killed mid-action leaves its action stalled; let it be picked up again more than once.
          maxStalledCount: 5,
        },
      );
      worker.on('failed', (job, error) => {
        if (job && error.name !== 'DelayedError')
          this.logger.warn(`${job.name} ${job.id} failed (attempt ${job.attemptsMade}): ${error.message}`);
      });
      worker.on('error', (error) => this.logger.warn(`dispatch worker for ${site.id}: ${error.message}`));
      return worker;
    });
    await this.reconcile().catch((error: Error) => this.logger.warn(`reconciliation postponed: ${error.message}`));
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close()));
  }

  /**
   * Actions claimed but not recorded (a crash in between) go back on their queues: one whose BullMQ
   * job finished or vanished under its own id, one still active (its worker may be dead) under a new id.
   */
  private async reconcile(): Promise<void> {
    // Records stored before the GPUs-held tallies were kept take their place in them (a no-op after).
    await this.jobs.syncGpusHeld();
    await this.queues.releaseInProgress();
    const lost: DispatchCommand[] = [];
    const held: DispatchCommand[] = [];
    for (const { id, pendingAction: p } of (await this.jobs.active()).filter((job) => job.pendingAction)) {
      const command: DispatchCommand = {
        id: p!.id,
        action: p!.action,
        jobId: id,
        site: p!.site,
        planVersion: p!.planVersion,
        segment: p!.segment,
        ...(p!.powerFraction !== undefined && { powerFraction: p!.powerFraction }),
      };
      const previous = await this.queues.forSite(command.site).getJob(command.id);
      const state = previous ? await previous.getState() : 'unknown';
      if (state === 'active') held.push(command);
      else if (state === 'completed' || state === 'failed' || state === 'unknown') {
        // A finished BullMQ job under the same id would swallow the re-send.
        await previous?.remove();
        lost.push(command);
      }
      // Waiting or delayed: it will run anyway.
    }
    await this.queues.resend(lost);
    await this.queues.resend(held, true);
    const resent = lost.length + held.length;
    if (resent > 0)
      this.logger.log(
        `re-sent ${resent} action(s) cut short before the restart (${held.length} still held by a worker)`,
      );
  }
}
