import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Module } from '@nestjs/common';
import { ExecutionModule } from '../execution/execution.module.js';
import { JobsModule } from '../jobs/jobs.module.js';
import { SignalsModule } from '../signals/signals.module.js';
import { PlansModule } from '../plans/plans.module.js';
import { PLANNING_QUEUE } from './planning.constants.js';
import { PlanningProcessor } from './planning.processor.js';
import { PlanningService } from './planning.service.js';
import { HousekeepingService } from './housekeeping.service.js';

/**
 * The planning loop. `planner: false` makes an instance that still asks for re-plans, but another
 * instance's worker runs them; likewise `dispatch` for the sites' dispatch queues (process roles,
 * see WESTWIND_ROLES).
 */
@Module({})
export class PlanningModule {
  static forRoot({ planner: runPlanner, dispatch }: { planner: boolean; dispatch: boolean }): DynamicModule {
    return {
      module: PlanningModule,
      imports: [BullModule.registerQueue({ name: PLANNING_QUEUE }), JobsModule, SignalsModule, PlansModule, ExecutionModule.forRoot(dispatch)],
      providers: [PlanningService, HousekeepingService, ...(runPlanner ? [PlanningProcessor] : [])],
      exports: [PlanningService],
    };
  }
}
