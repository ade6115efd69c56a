import 'reflect-metadata';
import { IsIn, IsInt, IsNotEmpty, IsString, Matches, Max, Min, validateSync } from 'class-validator';
import { flattenValidationErrors } from '../common/field-errors.js';
import { ConfigError } from './config-error.js';

/** Process environment, validated once at start-up. */
export class Environment {
  @Matches(/^rediss?:\/\/.+/, { message: 'must be a redis:// or rediss:// URL' })
  REDIS_URL = 'redis://127.0.0.1:6379';

  @IsInt({ message: 'must be an integer port number' })
  @Min(0)
  @Max(65535)
  PORT: number = 3000;

  /** Every Redis key and BullMQ queue lives under this prefix, so deployments and test runs can share one Redis. */
  @Matches(/^[A-Za-z0-9:_{}.-]{1,64}$/, { message: 'must be 1-64 characters of letters, digits and :_{}.-' })
  WESTWIND_PREFIX = 'westwind:';

  @IsString()
  @IsNotEmpty()
  WESTWIND_CONFIG = 'config/westwind.yaml';

  @IsIn(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'])
  LOG_LEVEL = 'info';

  /** HTTP worker processes sharing the port (node:cluster); `auto` is one per CPU core. */
  @Matches(/^(auto|[1-9]\d{0,2})$/, { message: 'must be a number of processes (1-999) or auto' })
  WESTWIND_WORKERS = '1';
}

/** Reads the variables Westwind knows from `raw` (normally process.env); unset or empty ones keep their defaults. */
export function parseEnvironment(raw: Record<string, string | undefined>): Environment {
  const env = new Environment();
  const target = env as unknown as Record<string, unknown>;
  for (const key of Object.keys(env)) {
    const value = raw[key];
    if (value === undefined || value === '') continue;
    target[key] = typeof target[key] === 'number' && /^\d+$/.test(value) ? Number(value) : value;
  }
  const errors = flattenValidationErrors(validateSync(env));
  if (errors.length > 0) throw new ConfigError('environment', errors);
  return env;
}
