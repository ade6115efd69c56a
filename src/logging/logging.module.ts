import { DynamicModule, Global, Inject, MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { type HttpLogger, type Options, pinoHttp } from 'pino-http';
import { AppLogger, HTTP_LOGGER, requestLogger } from './app-logger.js';

/**
 * JSON logs with pino: every request logged once when its response is finished (pino-http), and
 * Nest's LoggerService (AppLogger, `app.useLogger(app.get(AppLogger))`) writing through the same
 * logger, so a line logged while a request is handled carries that request.
 */
@Global()
@Module({})
export class LoggingModule implements NestModule {
  static forRoot(options: Options): DynamicModule {
    return {
      module: LoggingModule,
      providers: [{ provide: HTTP_LOGGER, useValue: pinoHttp(options) }, AppLogger],
      exports: [AppLogger],
    };
  }

  constructor(@Inject(HTTP_LOGGER) private readonly http: HttpLogger) {}

  configure(consumer: MiddlewareConsumer): void {
    const bindRequestLogger = (req: Request, _res: Response, next: NextFunction) => requestLogger.run(req.log, next);
    // `{/*splat}` matches every path, `/` included (Express 5's path-to-regexp has no bare `*`).
    consumer.apply(this.http, bindRequestLogger).forRoutes({ path: '{/*splat}', method: RequestMethod.ALL });
  }
}
