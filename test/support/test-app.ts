import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Redis } from 'ioredis';
import type { App } from 'supertest/types.js';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { connectRedis, masters } from '../../src/redis/redis-connection.js';
import { AppModule } from '../../src/app.module.js';
import { configureApp } from '../../src/app.setup.js';
import { parseEnvironment } from '../../src/config/environment.js';
import { loadWestwindConfig, type WestwindConfig } from '../../src/config/westwind-config.js';
import type { Clock } from '../../src/domain/time/clock.js';

export const TEST_CONFIG = 'test/fixtures/westwind.test.yaml';
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * The Redis the tests run against: REDIS_URL and REDIS_MODE (`npm run test:cluster` sets a Redis
 * Cluster, then Sentinel).
 */
export const REDIS_TARGET = parseEnvironment({
  REDIS_URL,
  REDIS_MODE: process.env.REDIS_MODE,
  REDIS_SENTINEL_MASTER: process.env.REDIS_SENTINEL_MASTER,
});
export const ON_CLUSTER = REDIS_TARGET.REDIS_MODE === 'cluster';

/** A connection to the tests' Redis for looking at what an app stored (a Cluster client in cluster mode). */
export async function connectTestRedis(): Promise<Redis> {
  const redis = connectRedis(REDIS_TARGET);
  if (redis.status !== 'ready') await once(redis, 'ready');
  return redis;
}

export const ALPHA = { authorization: 'Bearer alpha-key-0000000001' };
export const ALPHA_ROTATED = { authorization: 'Bearer alpha-key-rotated-0002' };
export const BETA = { authorization: 'Bearer beta-key-00000000001' };

/** A fresh key prefix, so test files share one Redis without seeing each other's keys. */
export function testPrefix(): string {
  return `{westwind-test:${randomBytes(6).toString('hex')}}:`;
}

export interface TestApp {
  app: INestApplication;
  prefix: string;
  /** A separate connection for looking at what the app stored. */
  redis: Redis;
  close(): Promise<void>;
}

/** The real app on the real Redis under its own prefix; `close` removes every key it wrote. */
export interface TestAppOptions {
  redisUrl?: string;
  /** Share a prefix with another test app: two instances of one deployment. */
  prefix?: string;
  clock?: Clock;
  configPath?: string;
  /** Changes the loaded configuration before the app starts (e.g. tighter rate limits). */
  configure?: (config: WestwindConfig) => void;
  roles?: string;
  env?: Record<string, string>;
}

export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const prefix = options.prefix ?? testPrefix();
  // API-only unless a test asks for the planner, so background re-plans never race its assertions.
  const env = parseEnvironment({
    ...process.env,
    REDIS_URL: options.redisUrl ?? REDIS_URL,
    REDIS_MODE: options.redisUrl ? 'standalone' : REDIS_TARGET.REDIS_MODE,
    WESTWIND_PREFIX: prefix,
    WESTWIND_ROLES: options.roles ?? 'api',
    LOG_LEVEL: process.env.TEST_LOGS ? 'error' : 'silent',
    ...options.env,
  });
  const config = loadWestwindConfig(options.configPath ?? TEST_CONFIG, {});
  options.configure?.(config);
  // abortOnError: false, so a start-up error fails the suite with its message instead of exiting jest's worker.
  const app = configureApp(
    await NestFactory.create(AppModule.forRoot(env, config, options.clock), {
      bodyParser: false,
      logger: process.env.TEST_LOGS ? ['error'] : false,
      abortOnError: false,
    }),
  );
  await app.init();
  const redis = await connectTestRedis();
  return {
    app,
    prefix,
    redis,
    close: async () => {
      await app.close();
      await deleteKeys(redis, prefix);
      redis.disconnect();
    },
  };
}

export async function keysUnder(redis: Redis, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for (const node of masters(redis)) {
    let cursor = '0';
    do {
      const [next, batch] = await node.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      keys.push(...batch);
      cursor = next;
    } while (cursor !== '0');
  }
  return keys.sort();
}

/**
 * Every stored key and value under the prefix: compare before and after a refused request. The
 * planning queue's own bookkeeping (BullMQ keys), the rate-limit counters (every request spends
 * its sender's budget, refused or not) and the savings report (a job that ended is counted in the
 * background) are left out: an earlier, accepted request's re-plan request may land at any
 * moment. With a planner running, pass `'plan:'` too: its re-plans (an earlier request's, the
 * hourly tick) rewrite the plan whenever they run.
 */
export async function snapshot(
  redis: Redis,
  prefix: string,
  ...backgroundKeys: string[]
): Promise<Record<string, string>> {
  const result: Record<string, string> = {};
  const ignored = ['bull:', 'rate:', 'reports:', ...backgroundKeys].map((k) => `${prefix}${k}`);
  for (const key of (await keysUnder(redis, prefix)).filter((k) => !ignored.some((i) => k.startsWith(i)))) {
    result[key] = (await redis.call('DUMP', key)) as string;
  }
  return result;
}

/** Removes every key under the prefix (a test's clean-up). */
export async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  const keys = await keysUnder(redis, prefix);
  for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
}

export const OPERATOR = { authorization: 'Bearer ops-key-000000000001' };
export const NW_GRID_SECRET = 'whsec_4M6EHaI24LaygGhJUYhYsOGtlRNY24O5';
export const NW_GRID_ROTATED_SECRET = 'whsec_CAmGyPze2AOTId3Tqul6pvdQCNelIdgb';
export const DE_DESK_SECRET = 'whsec_yBx5daSkiyGu+AXOR+VVTptVIq73vzjv';
export const OPENADR = { authorization: 'Bearer openadr-token-000000001' };

/**
 * Starts the real app before a test file's tests and closes it after. Read `ctx.t` and `ctx.http`
 * inside tests (they are set once beforeAll has run).
 */
export function useTestApp(options: TestAppOptions = {}): { t: TestApp; http: App } {
  const ctx = {} as { t: TestApp; http: App };
  beforeAll(async () => {
    ctx.t = await startTestApp(options);
    ctx.http = ctx.t.app.getHttpServer();
  });
  afterAll(() => ctx.t.close());
  return ctx;
}
