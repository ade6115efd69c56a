import { BullModule } from '@nestjs/bullmq';
import { Global, Module } from '@nestjs/common';
import { OverviewModule } from '../overview/overview.module.js';
import { PLANNING_QUEUE } from '../planning/planning.constants.js';
import { MetricsController } from './metrics.controller.js';
import { Metrics } from './metrics.js';
import { MetricsService } from './metrics.service.js';

/** Prometheus metrics: instruments any module may feed (global), and the scrape endpoint. */
@Global()
@Module({
  imports: [OverviewModule, BullModule.registerQueue({ name: PLANNING_QUEUE })],
  controllers: [MetricsController],
  providers: [Metrics, MetricsService],
  exports: [Metrics],
})
export class MetricsModule {}
