import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { CLOCK } from '../config/config.module.js';
import type { Clock } from '../domain/time/clock.js';
import { JobEventsService } from './job-events.service.js';
import { SiteExecutors } from './site-executors.js';

/** Ticks this often in service-clock time (so a virtual clock's sites report as often per simulated hour). */
const TICK_SERVICE_MS = 60_000;
const MIN_TICK_MS = 50;
const MAX_TICK_MS = 1000;

/**
 * Drives the simulated sites (the `dispatch` role): each tick, every job they run reports progress
 * and, when its work is done, completion, through the same path as a real site's agent.
 */
@Injectable()
export class SimulatedSites implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('SimulatedSites');
  private timer?: NodeJS.Timeout;
  private ticking = false;

  constructor(
    private readonly executors: SiteExecutors,
    private readonly events: JobEventsService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    if (this.executors.simulated().length === 0) return;
    const every = Math.min(MAX_TICK_MS, Math.max(MIN_TICK_MS, TICK_SERVICE_MS / this.clock.speed));
    this.timer = setInterval(() => void this.tick(), every);
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      for (const site of this.executors.simulated()) await site.tick(this.events);
    } catch (error) {
      this.logger.warn(`simulated sites: ${(error as Error).message}`);
    } finally {
      this.ticking = false;
    }
  }
}
