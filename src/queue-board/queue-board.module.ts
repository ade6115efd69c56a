import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Express } from 'express';
import { BullModule, getQueueToken } from '@nestjs/bullmq';
import { MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { Queue } from 'bullmq';
import { TenantDirectory } from '../auth/tenant-directory.js';
import { VTN_REPORTS_QUEUE } from '../events/events.constants.js';
import { DispatchQueues } from '../execution/dispatch-queues.js';
import { PLAN_FOLLOW_QUEUE } from '../execution/execution.constants.js';
import { PLANNING_QUEUE } from '../planning/planning.constants.js';
import { FORECAST_PULL_QUEUE } from '../signals/providers/forecast-pull.constants.js';
import { boardSecurityHeaders, serveBoardOffline } from './board-page.js';
import { QueueBoardGate } from './queue-board.gate.js';

export const QUEUE_BOARD_ROUTE = '/queues';
const BOARD_OPTIONS = { uiConfig: { boardTitle: 'Westwind queues', miscLinks: [{ text: 'Dashboard', url: '/' }] } };

/** The service's queues besides the sites' dispatch queues, in the board's order. */
const SERVICE_QUEUES = [PLANNING_QUEUE, PLAN_FOLLOW_QUEUE, FORECAST_PULL_QUEUE, VTN_REPORTS_QUEUE];

/**
 * bull-board at /queues for operators: the service's queues (planning, the plan follower, forecast pulls, OpenADR
 * reports) and every site's dispatch queue.
 * Two boards on one path — the full one for admins, a read-only one for viewers — with the gate
 * choosing. Its page loads nothing from outside (no Google Fonts), and a Content-Security-Policy
 * holds it to this origin. (What @bull-board/nestjs does, done here: that package is CommonJS requiring
 * @nestjs/common, which Nest 12 ships as ES modules only, and jest on Node 20 cannot load it.)
 */
@Module({ imports: [BullModule.registerQueue(...SERVICE_QUEUES.map((name) => ({ name })))] })
export class QueueBoardModule implements NestModule {
  constructor(
    private readonly moduleRef: ModuleRef,
    private readonly dispatchQueues: DispatchQueues,
    private readonly directory: TenantDirectory,
  ) {}

  configure(consumer: MiddlewareConsumer): void {
    const queues = [
      ...SERVICE_QUEUES.map((name) => this.moduleRef.get<Queue>(getQueueToken(name), { strict: false })),
      ...this.dispatchQueues.all(),
    ];
    const board = (readOnlyMode: boolean) => {
      const adapter = new ExpressAdapter();
      adapter.setBasePath(QUEUE_BOARD_ROUTE);
      createBullBoard({
        queues: queues.map((q) => new BullMQAdapter(q, { readOnlyMode })),
        serverAdapter: adapter,
        options: BOARD_OPTIONS,
      });
      // The board is an Express app of its own: it would announce "X-Powered-By: Express" again.
      const router = adapter.getRouter() as Express;
      router.disable('x-powered-by');
      serveBoardOffline(router);
      return router;
    };
    const gate = new QueueBoardGate(this.directory, board(true));
    consumer.apply(boardSecurityHeaders, gate.handle, board(false)).forRoutes(QUEUE_BOARD_ROUTE);
  }
}
