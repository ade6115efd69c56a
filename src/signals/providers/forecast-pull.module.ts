import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { SignalsModule } from '../signals.module.js';
import { EntsoeRequestPermits } from './entsoe/entsoe-request-permits.js';
import { FORECAST_PULL_QUEUE } from './forecast-pull.constants.js';
import { ForecastPullProcessor } from './forecast-pull.processor.js';
import { ForecastPullScheduler } from './forecast-pull.scheduler.js';
import { ForecastPullService } from './forecast-pull.service.js';

/**
 * Scheduled forecast pulls from the zones' providers. Imported by the instances that plan (the
 * `planner` role), which run the background work; their status and counts are read by any
 * instance through SignalsModule.
 */
@Module({
  imports: [BullModule.registerQueue({ name: FORECAST_PULL_QUEUE }), SignalsModule],
  providers: [ForecastPullService, ForecastPullScheduler, ForecastPullProcessor, EntsoeRequestPermits],
})
export class ForecastPullModule {}
