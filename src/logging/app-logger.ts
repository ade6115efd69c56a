import { Inject, Injectable, LoggerService } from '@nestjs/common';
import type { Logger as PinoLogger } from 'pino';
import type { HttpLogger } from 'pino-http';
import { AsyncLocalStorage } from 'node:async_hooks';

/** Injection token of the pino-http middleware; its `logger` is the root of every log line. */
export const HTTP_LOGGER = Symbol('HttpLogger');

/** The request's own logger (pino-http's `req.log`, which carries the request) while a request is handled. */
export const requestLogger = new AsyncLocalStorage<PinoLogger>();

type Level = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

/**
 * Nest's LoggerService on pino: `new Logger('Planning').warn(…)` anywhere in the service becomes one
 * JSON line with `context: "Planning"`, through the request's logger inside a request (so the line
 * carries the request and its id), through the root logger otherwise. Nest's `verbose` is pino's
 * `trace`, `log` is `info`.
 */
@Injectable()
export class AppLogger implements LoggerService {
  constructor(@Inject(HTTP_LOGGER) private readonly http: HttpLogger) {}

  verbose(message: unknown, ...optionalParams: unknown[]): void {
    this.write('trace', message, optionalParams);
  }

  debug(message: unknown, ...optionalParams: unknown[]): void {
    this.write('debug', message, optionalParams);
  }

  log(message: unknown, ...optionalParams: unknown[]): void {
    this.write('info', message, optionalParams);
  }

  warn(message: unknown, ...optionalParams: unknown[]): void {
    this.write('warn', message, optionalParams);
  }

  error(message: unknown, ...optionalParams: unknown[]): void {
    this.write('error', message, optionalParams);
  }

  fatal(message: unknown, ...optionalParams: unknown[]): void {
    this.write('fatal', message, optionalParams);
  }

  private get logger(): PinoLogger {
    return requestLogger.getStore() ?? this.http.logger;
  }

  /** Nest passes the logger's context last; what comes before it is pino's interpolation values. */
  private write(level: Level, message: unknown, optionalParams: unknown[]): void {
    const fields: Record<string, unknown> = {};
    let params: unknown[] = [];
    if (optionalParams.length > 0) {
      fields.context = optionalParams[optionalParams.length - 1];
      params = optionalParams.slice(0, -1);
    }
    if (message instanceof Error) {
      fields.err = message;
      this.logger[level](fields, ...(params as []));
    } else if (typeof message === 'object' && message !== null) {
      this.logger[level]({ ...fields, ...message }, ...(params as []));
    } else if (isExceptionHandlerCall(level, message, params)) {
      // Nest's own exception handlers call error(message, stack, context): keep the stack as an error's.
      const err = new Error(message as string);
      err.stack = params[0] as string;
      this.logger[level]({ ...fields, err });
    } else {
      this.logger[level](fields, String(message), ...(params as []));
    }
  }
}

function isExceptionHandlerCall(level: Level, message: unknown, params: unknown[]): boolean {
  return (
    level === 'error' &&
    typeof message === 'string' &&
    params.length === 1 &&
    typeof params[0] === 'string' &&
    /\n\s*at /.test(params[0])
  );
}
