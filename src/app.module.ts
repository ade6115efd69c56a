import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import type { Redis } from 'ioredis';
import cluster from 'node:cluster';
import { randomUUID } from 'node:crypto';
import { AuthModule } from './auth/auth.module.js';
import { ClockModule } from './clock/clock.module.js';
import { ProblemDetailsFilter } from './common/problem-details.filter.js';
import { AppConfigModule } from './config/config.module.js';
import { clockFrom, demoFrom, Environment } from './config/environment.js';
import { WestwindConfig } from './config/westwind-config.js';
import type { Clock } from './domain/time/clock.js';
import { DispatchQueuesModule } from './execution/dispatch-queues.js';
import { ExecutionModule } from './execution/execution.module.js';
import { DashboardModule } from './dashboard/dashboard.module.js';
import { DemoModule } from './demo/demo.module.js';
import { EventsModule } from './events/events.module.js';
import { HealthModule } from './health/health.module.js';
import { JobsModule } from './jobs/jobs.module.js';
import { LoggingModule } from './logging/logging.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { SignalsModule } from './signals/signals.module.js';
import { ForecastPullModule } from './signals/providers/forecast-pull.module.js';
import { PlanningModule } from './planning/planning.module.js';
import { QueueBoardModule } from './queue-board/queue-board.module.js';
import { RedisKeys } from './redis/redis-keys.js';
import { ReportsModule } from './reports/reports.module.js';
import { BULL_CONNECTION, RedisModule } from './redis/redis.module.js';

const REQUEST_ID = /^[\w.-]{1,128}$/;

@Module({})
export class AppModule {
  static forRoot(env: Environment, config: WestwindConfig, clock?: Clock): DynamicModule {
    const roles = env.WESTWIND_ROLES.split(',');
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(env, config, clock ?? clockFrom(env, config)),
        LoggingModule.forRoot({
          level: env.LOG_LEVEL,
          // Reuse a caller's request id when it is sane, so logs join across services.
          genReqId: (req, res) => {
            const given = req.headers['x-request-id'];
            const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
            res.setHeader('X-Request-Id', id);
            return id;
          },
          redact: ['req.headers.authorization', 'req.headers["webhook-signature"]', 'req.headers.cookie'],
          autoLogging: { ignore: (req) => req.url?.startsWith('/health') ?? false },
        }),
        RedisModule,
        AuthModule,
        HealthModule,
        ClockModule,
        BullModule.forRootAsync({
          inject: [BULL_CONNECTION, RedisKeys],
          useFactory: (connection: Redis, keys: RedisKeys) => ({ connection, prefix: keys.bullPrefix() }),
        }),
        JobsModule,
        SignalsModule,
        // Forecast pulls are background work: they run where planning runs.
        ...(roles.includes('planner') ? [ForecastPullModule] : []),
        // Grid events' curtailment reports; those to VTNs are sent where planning runs.
        EventsModule.forRoot({ reporter: roles.includes('planner') }),
        DispatchQueuesModule.forRoot(config.sites),
        MetricsModule,
        QueueBoardModule,
        DashboardModule,
        // Savings against fifo: listens to job changes in every process (wherever a job ends); planners catch up.
        ReportsModule.forRoot({ catchUp: roles.includes('planner') }),
        // The demo drives one process: the one that plans (with node:cluster workers, the first).
        DemoModule.forRoot(
          roles.includes('planner') && (!cluster.isWorker || cluster.worker?.id === 1)
            ? demoFrom(env, config)
            : undefined,
        ),
        // Execution provides planning's dispatcher: composed here, so planning never imports execution.
        PlanningModule.forRoot({
          planner: roles.includes('planner'),
          dispatcher: ExecutionModule.forRoot(roles.includes('dispatch')),
        }),
      ],
      providers: [{ provide: APP_FILTER, useClass: ProblemDetailsFilter }],
    };
  }
}
