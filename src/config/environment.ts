import 'reflect-metadata';
import {
  IsIn,
  IsInt,
  IsNotEmpty,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
  validateSync,
} from 'class-validator';
import { DateTime } from 'luxon';
import { IsInstant } from '../common/is-instant.decorator.js';
import { Clock, systemClock, virtualClock } from '../domain/time/clock.js';
import { parseInstant } from '../domain/time/instant.js';
import { flattenValidationErrors } from '../common/field-errors.js';
import { ConfigError } from './config-error.js';
import type { DemoConfig, WestwindConfig } from './westwind-config.js';

/** Process environment, validated once at start-up. */
export class Environment {
  /** A redis:// URL; in cluster or sentinel mode a comma-separated list of seed nodes or sentinels. */
  @Matches(/^rediss?:\/\/[^,\s]+(,\s*rediss?:\/\/[^,\s]+)*$/, {
    message: 'must be a redis:// or rediss:// URL, or a comma-separated list of them',
  })
  REDIS_URL = 'redis://127.0.0.1:6379';

  /** `standalone` (one server), `cluster` (Redis Cluster) or `sentinel` (a master found through Sentinel). */
  @IsIn(['standalone', 'cluster', 'sentinel'])
  REDIS_MODE: 'standalone' | 'cluster' | 'sentinel' = 'standalone';

  /** The master's name Sentinel knows; required in sentinel mode. */
  @ValidateIf((env: Environment) => env.REDIS_MODE === 'sentinel')
  @IsString()
  @IsNotEmpty({ message: 'is required when REDIS_MODE is sentinel' })
  REDIS_SENTINEL_MASTER?: string;

  /** The sentinels' own password, if they have one; the credentials in REDIS_URL are the master's. */
  @IsOptional()
  @IsString()
  REDIS_SENTINEL_PASSWORD?: string;

  @IsInt({ message: 'must be an integer port number' })
  @Min(0)
  @Max(65535)
  PORT: number = 3000;

  /**
   * Every Redis key and BullMQ queue lives under this prefix, so deployments and test runs can share
   * one Redis. Its `{hash tag}` puts all of a deployment's keys in one Redis Cluster slot, which
   * multi-key transactions and Lua scripts need there.
   */
  @Matches(/^[A-Za-z0-9:_.-]*\{[A-Za-z0-9:_.-]+\}[A-Za-z0-9:_.-]*$/, {
    message: 'must contain one {hash tag}, e.g. {westwind}:, in letters, digits and :_.-',
  })
  @MaxLength(64)
  WESTWIND_PREFIX = '{westwind}:';

  @IsString()
  @IsNotEmpty()
  WESTWIND_CONFIG = 'config/westwind.yaml';

  @IsIn(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'])
  LOG_LEVEL = 'info';

  /**
   * `real`, or `virtual` for demos and tests: starts at WESTWIND_CLOCK_START, runs
   * WESTWIND_CLOCK_SPEED times faster.
   */
  @IsIn(['real', 'virtual'])
  WESTWIND_CLOCK = 'real';

  @IsOptional()
  @IsInstant({ message: 'must be an ISO 8601 instant with offset' })
  WESTWIND_CLOCK_START?: string;

  /** Simulated seconds per real second (720: one hour every 5 s). */
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0.001)
  @Max(1_000_000)
  WESTWIND_CLOCK_SPEED: number = 1;

  /**
   * What this process does besides serving the API: `planner` runs re-plans from the planning
   * queue (several instances may; BullMQ runs one re-plan at a time across them); `dispatch` runs
   * the sites' dispatch queues and the simulated sites.
   */
  @Matches(/^(api|planner|dispatch)(,(api|planner|dispatch))*$/, {
    message: 'must be a comma-separated list of api, planner, dispatch',
  })
  WESTWIND_ROLES = 'api,planner,dispatch';

  /** HTTP worker processes sharing the port (node:cluster); `auto` is one per CPU core. */
  @Matches(/^(auto|[1-9]\d{0,2})$/, { message: 'must be a number of processes (1-999) or auto' })
  WESTWIND_WORKERS = '1';

  /**
   * Also serve GET /metrics without authentication on this port (for a Prometheus on a private
   * network); on the main port /metrics always asks for operator credentials. 0: a free port the
   * kernel chooses (tests), logged and readable as MetricsService.port.
   */
  @IsOptional()
  @IsInt({ message: 'must be an integer port number' })
  @Min(0)
  @Max(65535)
  METRICS_PORT?: number;

  /** `false` turns off the self-running demo of a configuration that has one; `true` insists on it. */
  @IsOptional()
  @IsIn(['true', 'false'])
  WESTWIND_DEMO?: 'true' | 'false';

  /** Address the metrics port listens on. */
  @IsString()
  METRICS_HOST = '127.0.0.1';
}

/** Variables without a default, so not among the keys of a new Environment. */
const OPTIONAL_VARIABLES = [
  'WESTWIND_CLOCK_START',
  'METRICS_PORT',
  'WESTWIND_DEMO',
  'REDIS_SENTINEL_MASTER',
  'REDIS_SENTINEL_PASSWORD',
];

/** Reads the variables Westwind knows from `raw` (normally process.env); unset or empty ones keep their defaults. */
export function parseEnvironment(raw: Record<string, string | undefined>): Environment {
  const env = new Environment();
  const target = env as unknown as Record<string, unknown>;
  for (const key of [...Object.keys(env), ...OPTIONAL_VARIABLES]) {
    const value = raw[key];
    if (value === undefined || value === '') continue;
    target[key] =
      (typeof target[key] === 'number' || key === 'METRICS_PORT') && /^\d+(\.\d+)?$/.test(value)
        ? Number(value)
        : value;
  }
  const errors = flattenValidationErrors(validateSync(env));
  if (errors.length > 0) throw new ConfigError('environment', errors);
  return env;
}

/** The demo to run: the configuration's, unless WESTWIND_DEMO=false. */
export function demoFrom(env: Environment, config: WestwindConfig): DemoConfig | undefined {
  if (env.WESTWIND_DEMO === 'true' && !config.demo)
    throw new ConfigError('environment', [
      { field: 'WESTWIND_DEMO', message: 'is true but the configuration has no demo section' },
    ]);
  return env.WESTWIND_DEMO === 'false' ? undefined : config.demo;
}

/**
 * The clock the environment asks for. A demo runs on its own virtual clock, started at the last
 * `startLocalTime` in the first zone's time zone, so the first evening peak comes within seconds.
 */
export function clockFrom(env: Environment, config?: WestwindConfig): Clock {
  const demo = config && demoFrom(env, config);
  if (demo) {
    const [hour, minute] = demo.startLocalTime.split(':').map(Number);
    const now = DateTime.now().setZone(config.zones[0].timeZone);
    const today = now.set({ hour, minute, second: 0, millisecond: 0 });
    return virtualClock((today > now ? today.minus({ days: 1 }) : today).toUTC(), demo.speed);
  }
  if (env.WESTWIND_CLOCK === 'real') return systemClock;
  const start = env.WESTWIND_CLOCK_START ? parseInstant(env.WESTWIND_CLOCK_START)! : DateTime.utc();
  return virtualClock(start, env.WESTWIND_CLOCK_SPEED);
}
