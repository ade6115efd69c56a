import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Module } from '@nestjs/common';
import { JobsModule } from '../jobs/jobs.module.js';
import { PlansModule } from '../plans/plans.module.js';
import { SignalsModule } from '../signals/signals.module.js';
import { EventReportsRepository } from './event-reports.repository.js';
import { EventReportsService } from './event-reports.service.js';
import { EventsController } from './events.controller.js';
import { VTN_REPORTS_QUEUE } from './events.constants.js';
import { VtnReporter } from './vtn-reporter.js';

/**
 * Grid events and the curtailment each delivered: baselines kept as events arrive (any instance
 * that takes OpenADR), reports over HTTP, and reports to VTNs sent by the instances that plan
 * (`reporter`), which run the background work.
 */
@Module({})
export class EventsModule {
  static forRoot({ reporter }: { reporter: boolean }): DynamicModule {
    return {
      module: EventsModule,
      imports: [BullModule.registerQueue({ name: VTN_REPORTS_QUEUE }), SignalsModule, PlansModule, JobsModule],
      controllers: [EventsController],
      providers: [EventReportsRepository, EventReportsService, ...(reporter ? [VtnReporter] : [])],
    };
  }
}
