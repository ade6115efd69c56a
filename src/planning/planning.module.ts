import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Module } from '@nestjs/common';
import { JobsModule } from '../jobs/jobs.module.js';
import { SignalsModule } from '../signals/signals.module.js';
import { PlanStoreModule } from './plan-store.module.js';
import { PLANNING_QUEUE } from './planning.constants.js';
import { PlanningProcessor } from './planning.processor.js';
import { PlanningService } from './planning.service.js';

/**
 * The planning loop. `runPlanner: false` makes an API-only instance: it still asks for re-plans,
 * but another instance's worker runs them (process roles, see WESTWIND_ROLES).
 */
@Module({})
export class PlanningModule {
  static forRoot(runPlanner: boolean): DynamicModule {
    return {
      module: PlanningModule,
      imports: [BullModule.registerQueue({ name: PLANNING_QUEUE }), JobsModule, SignalsModule, PlanStoreModule],
      providers: [PlanningService, ...(runPlanner ? [PlanningProcessor] : [])],
      exports: [PlanningService],
    };
  }
}
