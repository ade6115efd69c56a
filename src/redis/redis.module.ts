import { Global, Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { once } from 'node:events';
import { Environment } from '../config/environment.js';
import { ChangeFeed } from './change-feed.js';
import { RedisKeys } from './redis-keys.js';

/** Reconnect quickly and forever: the service recovers by itself within seconds of Redis returning. */
const RECONNECT_MAX_DELAY_MS = 1000;

/**
 * Options for the request-path connection: fail fast instead of queueing while Redis is away,
 * so an HTTP request gets a prompt 503 rather than hanging, and never a false acknowledgement.
 */
export function redisOptions(): import('ioredis').RedisOptions {
  return {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: 3000,
    connectTimeout: 3000,
    retryStrategy: (attempt) => Math.min(attempt * 100, RECONNECT_MAX_DELAY_MS),
  };
}

@Global()
@Module({
  providers: [
    {
      provide: Redis,
      inject: [Environment],
      useFactory: async (env: Environment) => {
        const redis = new Redis(env.REDIS_URL, redisOptions());
        const logger = new Logger('Redis');
        redis.on('error', (error) => logger.warn(`redis: ${error.message}`));
        // Without an offline queue, commands sent before the connection is ready would fail: wait.
        await once(redis, 'ready');
        return redis;
      },
    },
    { provide: RedisKeys, inject: [Environment], useFactory: (env: Environment) => new RedisKeys(env.WESTWIND_PREFIX) },
    ChangeFeed,
  ],
  exports: [Redis, RedisKeys, ChangeFeed],
})
export class RedisModule implements OnApplicationShutdown {
  constructor(@Inject(Redis) private readonly redis: Redis) {}

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
