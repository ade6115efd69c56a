import { Global, Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { Redis, type RedisOptions } from 'ioredis';
import { Environment } from '../config/environment.js';
import { ChangeFeed } from './change-feed.js';
import { connectRedis } from './redis-connection.js';
import { RedisKeys } from './redis-keys.js';
import { whenReady } from './wait-for-redis.js';

/** Injection token of BullMQ's shared connection (queues use it; workers duplicate it for blocking reads). */
export const BULL_CONNECTION = Symbol('BULL_CONNECTION');

/**
 * Options for the request-path connection: fail fast instead of queueing while Redis is away,
 * so an HTTP request gets a prompt 503 rather than hanging, and never a false acknowledgement.
 * A command's timeout runs on this process's event loop, which a full re-plan holds while it
 * computes (100,000 jobs: 3.2 s on the benchmark machine; several seconds more under load): at
 * 3 s, replies already in the socket were declared timed out behind it (CI, one core kept busy).
 * 10 s still ends a hung Redis command; a Redis that is away fails at once (no offline queue).
 */
export const REQUEST_PATH_OPTIONS: RedisOptions = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  commandTimeout: 10_000,
  connectTimeout: 3000,
};

/** BullMQ waits for Redis instead (its workers require maxRetriesPerRequest: null). */
const BULL_OPTIONS: RedisOptions = { maxRetriesPerRequest: null };

@Global()
@Module({
  providers: [
    {
      provide: Redis,
      inject: [Environment],
      useFactory: async (env: Environment) => {
        const redis = connectRedis(env, REQUEST_PATH_OPTIONS);
        const logger = new Logger('Redis');
        redis.on('error', (error: Error) => logger.warn(`redis: ${error.message}`));
        // Without an offline queue, commands sent before the connection is ready would fail: wait.
        await whenReady(redis);
        return redis;
      },
    },
    {
      provide: BULL_CONNECTION,
      inject: [Environment],
      useFactory: (env: Environment) => {
        const redis = connectRedis(env, BULL_OPTIONS);
        const logger = new Logger('BullMQ');
        redis.on('error', (error: Error) => logger.warn(`redis: ${error.message}`));
        return redis;
      },
    },
    { provide: RedisKeys, inject: [Environment], useFactory: (env: Environment) => new RedisKeys(env.WESTWIND_PREFIX) },
    ChangeFeed,
  ],
  exports: [Redis, BULL_CONNECTION, RedisKeys, ChangeFeed],
})
export class RedisModule implements OnApplicationShutdown {
  constructor(
    @Inject(Redis) private readonly redis: Redis,
    @Inject(BULL_CONNECTION) private readonly bull: Redis,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([this.redis, this.bull].map((r) => r.quit().catch(() => r.disconnect())));
  }
}
