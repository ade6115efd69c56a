import { Inject, Injectable } from '@nestjs/common';
import type { Response } from 'express';
import { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { ProblemException } from '../common/problem.js';
import { RateLimitConfig, WestwindConfig } from '../config/westwind-config.js';
import { RedisKeys } from '../redis/redis-keys.js';

/** Whose budget a request spends: a tenant's, or a grid sender's (webhook sender or OpenADR VTN). */
export type RateLimited = 'tenant' | 'sender';

/**
 * Request budgets per tenant and per grid sender, counted in Redis by rate-limiter-flexible (one
 * atomic script per request), so a budget holds however many instances serve the API.
 * Over budget: 429 problem+json with Retry-After; every answer carries the RateLimit-* headers.
 */
@Injectable()
export class RateLimits {
  private readonly limiters: Record<RateLimited, { limiter: RateLimiterRedis; limit: RateLimitConfig }>;

  constructor(config: WestwindConfig, @Inject(Redis) redis: Redis, keys: RedisKeys) {
    const limiter = (kind: RateLimited, limit: RateLimitConfig) => ({
      limit,
      limiter: new RateLimiterRedis({
        storeClient: redis,
        keyPrefix: keys.rateLimit(kind),
        points: limit.requests,
        duration: limit.perSeconds,
      }),
    });
    this.limiters = {
      tenant: limiter('tenant', config.rateLimits.tenant),
      sender: limiter('sender', config.rateLimits.sender),
    };
  }

  /** Spends one request of `id`'s budget, or throws 429. A Redis failure propagates (503, nothing acknowledged). */
  async spend(kind: RateLimited, id: string, response: Response): Promise<void> {
    const { limiter, limit } = this.limiters[kind];
    let state: RateLimiterRes;
    let refused = false;
    try {
      state = await limiter.consume(id);
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) throw error;
      state = error;
      refused = true;
    }
    const resetSeconds = Math.max(1, Math.ceil(state.msBeforeNext / 1000));
    const headers = {
      'RateLimit-Limit': String(limit.requests),
      'RateLimit-Remaining': String(state.remainingPoints),
      'RateLimit-Reset': String(resetSeconds),
    };
    if (!refused) {
      response.set(headers);
      return;
    }
    throw ProblemException.of(
      429,
      'rate-limited',
      'Too many requests',
      `${kind === 'tenant' ? 'Tenant' : 'Sender'} "${id}" may send ${limit.requests} requests ` +
        `per ${limit.perSeconds} s; retry after ${resetSeconds} s.`,
      {},
      { ...headers, 'Retry-After': String(resetSeconds) },
    );
  }
}
