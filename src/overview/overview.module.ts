import { Module } from '@nestjs/common';
import { JobsModule } from '../jobs/jobs.module.js';
import { PlansModule } from '../plans/plans.module.js';
import { SignalsModule } from '../signals/signals.module.js';
import { OverviewService } from './overview.service.js';

/** What operators see, read from Redis: the dashboard and the metrics endpoint build on it. */
@Module({ imports: [JobsModule, PlansModule, SignalsModule], providers: [OverviewService], exports: [OverviewService] })
export class OverviewModule {}
