import type { Redis } from 'ioredis';
import { connectRedis, type RedisTarget } from './redis-connection.js';

/**
 * Start-up check: Redis must answer within `timeoutMs`. Otherwise the error says how to start one,
 * because a missing Redis is the one prerequisite a new user is most likely to hit.
 */
export async function waitForRedis(target: RedisTarget, timeoutMs = 5000): Promise<void> {
  const redis = connectRedis(target, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: timeoutMs,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  const deadline = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs).unref(),
  );
  try {
    await Promise.race([redis.connect().then(() => redis.ping()), deadline]);
  } catch (error) {
    throw new RedisNotAnsweringError(
      [
        `Westwind needs Redis 7 at REDIS_URL=${target.REDIS_URL} (${target.REDIS_MODE}), ` +
          `but it did not answer (${(error as Error).message}).`,
        'Start one, then try again:',
        '  Debian/Ubuntu: sudo apt-get install -y redis-server && redis-server --daemonize yes',
        '  macOS:         brew install redis && brew services start redis',
        '  Docker:        docker compose up -d redis',
      ].join('\n'),
    );
  } finally {
    redis.disconnect();
  }
}

/**
 * Resolves once the connection is ready. Errors on the way are not fatal: ioredis retries them
 * (a Cluster's slot refresh timing out under load is common at start-up), and `events.once` would
 * reject on the first. Only when it is not ready within `timeoutMs` does start-up fail.
 */
export async function whenReady(redis: Redis, timeoutMs = 30_000): Promise<void> {
  if (redis.status === 'ready') return;
  let lastError: Error | undefined;
  const remember = (error: Error) => (lastError = error);
  redis.on('error', remember);
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new RedisNotAnsweringError(
              `Redis was not ready within ${timeoutMs} ms${lastError ? ` (${lastError.message})` : ''}`,
            ),
          ),
        timeoutMs,
      );
      redis.once('ready', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  } finally {
    redis.off('error', remember);
  }
}

export class RedisNotAnsweringError extends Error {}
