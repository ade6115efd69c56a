import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { SavingsService } from './savings.service.js';

/** Real time between catch-ups: well inside the window they look back over, even at the demo's 720×. */
export const CATCH_UP_INTERVAL_MS = 60_000;

/**
 * Runs the savings catch-up at start and every minute, in the processes that run the planner: jobs
 * whose end was not counted when it was announced (or was never announced) are counted late, once.
 */
@Injectable()
export class SavingsCatchUp implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Savings');
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(private readonly savings: SavingsService) {}

  onApplicationBootstrap(): void {
    this.run();
    this.timer = setInterval(() => this.run(), CATCH_UP_INTERVAL_MS).unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private run(): void {
    if (this.running) return;
    this.running = this.savings
      .catchUp()
      .then((added) => void (added > 0 && this.logger.log(`savings: ${added} finished job(s) counted late`)))
      .catch((error: Error) => this.logger.warn(`savings catch-up failed: ${error.message}`))
      .finally(() => (this.running = undefined));
  }
}
