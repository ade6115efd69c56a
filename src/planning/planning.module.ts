import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Module } from '@nestjs/common';
import { JobsModule } from '../jobs/jobs.module.js';
import { PlansModule } from '../plans/plans.module.js';
import { SignalsModule } from '../signals/signals.module.js';
import { HousekeepingService } from './housekeeping.service.js';
import { PLANNING_QUEUE } from './planning.constants.js';
import { PlanningProcessor } from './planning.processor.js';
import { PlanningService } from './planning.service.js';
import { PlanThread } from './plan-thread.js';

/**
 * The planning loop. `planner: false` makes an instance that still asks for re-plans, but another
 * instance's worker runs them (process roles, see WESTWIND_ROLES). `dispatcher` is the module
 * that provides PlanDispatcher (execution's): given by the application module, so planning's
 * arrows point only at jobs, signals and the stored plan.
 */
@Module({})
export class PlanningModule {
  static forRoot({ planner: runPlanner, dispatcher }: { planner: boolean; dispatcher: DynamicModule }): DynamicModule {
    return {
      module: PlanningModule,
      imports: [BullModule.registerQueue({ name: PLANNING_QUEUE }), JobsModule, SignalsModule, PlansModule, dispatcher],
      providers: [PlanningService, PlanThread, HousekeepingService, ...(runPlanner ? [PlanningProcessor] : [])],
      exports: [PlanningService],
    };
  }
}
