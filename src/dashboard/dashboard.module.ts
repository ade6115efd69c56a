import { Module } from '@nestjs/common';
import { JobsModule } from '../jobs/jobs.module.js';
import { OverviewModule } from '../overview/overview.module.js';
import { PlanStoreModule } from '../planning/plan-store.module.js';
import { DashboardController } from './dashboard.controller.js';

/** The operators' dashboard at `/`, with live updates. */
@Module({ imports: [OverviewModule, JobsModule, PlanStoreModule], controllers: [DashboardController] })
export class DashboardModule {}
