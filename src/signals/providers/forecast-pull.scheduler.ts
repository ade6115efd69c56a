import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Queue } from 'bullmq';
import { CLOCK } from '../../config/config.module.js';
import { WestwindConfig } from '../../config/westwind-config.js';
import type { Clock } from '../../domain/time/clock.js';
import {
  FORECAST_PULL_JOB,
  FORECAST_PULL_QUEUE,
  PULL_SCHEDULER_PREFIX,
  PULL_TICK_MS,
  type PullJobData,
  pullSchedulerId,
} from './forecast-pull.constants.js';

/**
 * A BullMQ job scheduler per zone and provider, ticking every PULL_TICK_MS of the service clock (a
 * virtual clock's minute passes faster, so the real interval is shorter, but never under a second);
 * a tick pulls when the refresh interval or the back-off has passed. BullMQ runs an `every`
 * scheduler's first tick at once. Schedulers of providers no longer configured are removed.
 */
@Injectable()
export class ForecastPullScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger('ForecastPull');

  constructor(
    @InjectQueue(FORECAST_PULL_QUEUE) private readonly queue: Queue<PullJobData>,
    private readonly config: WestwindConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.queue.setGlobalConcurrency(1);
    const wanted = new Set<string>();
    for (const zone of this.config.zones) {
      for (const provider of zone.providers) {
        const id = pullSchedulerId(zone.id, provider.type);
        wanted.add(id);
        const every = Math.max(1000, Math.round(Math.min(PULL_TICK_MS, provider.refreshMs) / this.clock.speed));
        const data = { zone: zone.id, provider: provider.type };
        const opts = { removeOnComplete: 100, removeOnFail: 100 };
        await this.queue.upsertJobScheduler(id, { every }, { name: FORECAST_PULL_JOB, data, opts });
      }
    }
    for (const scheduler of await this.queue.getJobSchedulers()) {
      const id = scheduler.id ?? scheduler.key;
      if (!id.startsWith(PULL_SCHEDULER_PREFIX) || wanted.has(id)) continue;
      await this.queue.removeJobScheduler(id);
      this.logger.log(`forecast pull ${id} removed: its provider is no longer configured`);
    }
  }
}
