import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Queue, QueueEvents, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { WestwindConfig } from '../../../config/westwind-config.js';
import { RedisKeys } from '../../../redis/redis-keys.js';
import { BULL_CONNECTION } from '../../../redis/redis.module.js';
import { limiterFor, type QueueLimiter, tightest } from './entsoe-rate-limit.js';
import type { RequestPermits } from './entsoe-provider.js';

/** The queue of ENTSO-E request permits: one job per request, released by a rate-limited worker. */
export const ENTSOE_REQUESTS_QUEUE = 'entsoe-requests';
/** A permit not granted in this long (real ms) fails its pull (counted as a network failure). */
const PERMIT_WAIT_MS = 15 * 60_000;
/** The wait is taken in slices this long, so that a shutdown ends it within one. */
const PERMIT_WAIT_SLICE_MS = 2_000;

/**
 * ENTSO-E's request budget across every instance of the deployment: before each request the driver
 * adds a permit job to the `entsoe-requests` queue and waits for it to complete. The queue's workers
 * (one in each instance that pulls) carry BullMQ's `limiter`, which BullMQ counts in Redis for the
 * whole queue, so all instances together get at most the limiter's permits per window, whichever
 * worker grants them. The limiter is derived from the zones' `rateLimit` (limiterFor): at most
 * `requests` in any `windowSeconds`.
 */
@Injectable()
export class EntsoeRequestPermits implements RequestPermits, OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('EntsoeRequests');
  readonly limiter?: QueueLimiter;
  /** Permits this process was granted (whichever instance's worker granted them). */
  granted = 0;
  private queue?: Queue;
  private events?: QueueEvents;
  private worker?: Worker;
  private closing = false;

  constructor(
    config: WestwindConfig,
    @Inject(BULL_CONNECTION) private readonly connection: Redis,
    @Inject(RedisKeys) private readonly keys: RedisKeys,
  ) {
    const budgets = config.zones
      .flatMap((zone) => zone.providers)
      .flatMap((p) => (p.type === 'entsoe' ? [p.rateLimit] : []))
      .map((r) => ({ requests: r.requests, windowMs: r.windowSeconds * 1000 }));
    const budget = tightest(budgets);
    if (budget) this.limiter = limiterFor(budget.requests, budget.windowMs);
  }

  async onModuleInit(): Promise<void> {
    if (!this.limiter) return;
    const options = { connection: this.connection, prefix: this.keys.bullPrefix() };
    this.queue = new Queue(ENTSOE_REQUESTS_QUEUE, options);
    // Also the queue's own global limit, which takes precedence over any worker's: instances started with
    // different figures all keep the last one set.
    await this.queue.setGlobalRateLimit(this.limiter.max, this.limiter.duration);
    this.events = new QueueEvents(ENTSOE_REQUESTS_QUEUE, options);
    this.worker = new Worker(ENTSOE_REQUESTS_QUEUE, () => Promise.resolve('granted'), {
      ...options,
      limiter: this.limiter,
    });
    this.worker.on('error', (error) => this.logger.warn(`permit worker: ${error.message}`));
    this.events.on('error', (error) => this.logger.warn(`permit events: ${error.message}`));
    await this.events.waitUntilReady();
  }

  /** On shutdown: no new permits, and a wait under way ends within a slice (its pull fails that request, and stops). */
  async onModuleDestroy(): Promise<void> {
    this.closing = true;
    await Promise.all([this.worker?.close(), this.events?.close(), this.queue?.close()]);
  }

  /** Resolves when a permit for one request is granted; all tokens share the budget. */
  async take(): Promise<void> {
    if (this.closing) throw new Error('shutting down');
    if (!this.queue || !this.events) throw new Error('no ENTSO-E provider is configured');
    // Completed permits are kept a while (not removed at once), so a wait that begins after its permit
    // was granted still finds it completed.
    const job = await this.queue.add('permit', {}, { removeOnComplete: { count: 1000 }, removeOnFail: { count: 100 } });
    // In slices, so that a shutdown ends the wait within one: a pull waiting its turn held the service's close for
    // minutes (past 120 s in CI runs), and a single 15-minute wait's timer would hold the process after it.
    const started = Date.now();
    for (;;) {
      try {
        await job.waitUntilFinished(this.events, PERMIT_WAIT_SLICE_MS);
        break;
      } catch (error) {
        if (!(error instanceof Error) || !/timed out before finishing/.test(error.message)) throw error;
        if (this.closing) throw new Error('shutting down');
        if (Date.now() - started >= PERMIT_WAIT_MS) throw error;
      }
    }
    this.granted += 1;
  }
}
