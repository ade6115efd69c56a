import { Module } from '@nestjs/common';
import { EventReportsRepository } from '../events/event-reports.repository.js';
import { JobsModule } from '../jobs/jobs.module.js';
import { PlansModule } from '../plans/plans.module.js';
import { SignalsModule } from '../signals/signals.module.js';
import { SignalsRepository } from '../signals/signals.repository.js';
import { GridEventsService } from './grid-events.service.js';
import { OverviewService } from './overview.service.js';

/**
 * What operators see, read from Redis: the dashboard and the metrics endpoint build on it. Grid
 * events are read through their repositories (stateless, so provided here too).
 */
@Module({
  imports: [JobsModule, PlansModule, SignalsModule],
  providers: [OverviewService, GridEventsService, EventReportsRepository, SignalsRepository],
  exports: [OverviewService, GridEventsService],
})
export class OverviewModule {}
