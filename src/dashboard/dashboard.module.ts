import { Module } from '@nestjs/common';
import { JobsModule } from '../jobs/jobs.module.js';
import { OverviewModule } from '../overview/overview.module.js';
import { PlansModule } from '../plans/plans.module.js';
import { SignalsModule } from '../signals/signals.module.js';
import { DashboardController } from './dashboard.controller.js';

/** The operators' dashboard at `/`, with live updates. */
@Module({ imports: [OverviewModule, JobsModule, PlansModule, SignalsModule], controllers: [DashboardController] })
export class DashboardModule {}
