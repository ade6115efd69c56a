import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Module } from '@nestjs/common';
import { JobsModule } from '../jobs/jobs.module.js';
import { PlanDispatcher } from '../planning/plan-dispatcher.js';
import { PlansModule } from '../plans/plans.module.js';
import { DispatchWorkers } from './dispatch-workers.service.js';
import { DispatchProcessor } from './dispatch.processor.js';
import { DispatchService } from './dispatch.service.js';
import { PLAN_FOLLOW_QUEUE } from './execution.constants.js';
import { JobEventsController } from './job-events.controller.js';
import { JobEventTokens } from './job-event-tokens.js';
import { JobEventsService } from './job-events.service.js';
import { SimulatedSites } from './simulated-sites.service.js';
import { PlanFollower } from './plan-follower.processor.js';
import { SiteExecutors } from './site-executors.js';
import { SlurmSites } from './executors/slurm/slurm-sites.service.js';

/**
 * Execution: plans become start, pause, resume and cancel actions on per-site dispatch queues, carried out by each
 * site's executor (and the stored plan is followed into an hour whose re-plan is late: PlanFollower); sites report
 * back through job events. It provides planning's PlanDispatcher and listens for cancels on JobChanges.
 * `runDispatch: false` leaves the queues to another instance's workers (process roles, see WESTWIND_ROLES).
 */
@Module({})
export class ExecutionModule {
  static forRoot(runDispatch: boolean): DynamicModule {
    return {
      module: ExecutionModule,
      imports: [JobsModule, PlansModule, BullModule.registerQueue({ name: PLAN_FOLLOW_QUEUE })],
      controllers: [JobEventsController],
      providers: [
        JobEventsService,
        JobEventTokens,
        DispatchService,
        { provide: PlanDispatcher, useExisting: DispatchService },
        SiteExecutors,
        DispatchProcessor,
        ...(runDispatch ? [DispatchWorkers, PlanFollower, SimulatedSites, SlurmSites] : []),
      ],
      exports: [JobEventsService, DispatchService, PlanDispatcher, SiteExecutors],
    };
  }
}
