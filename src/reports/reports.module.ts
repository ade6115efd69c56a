import { DynamicModule, Module } from '@nestjs/common';
import { JobsModule } from '../jobs/jobs.module.js';
import { SignalsModule } from '../signals/signals.module.js';
import { SavingsCatchUp } from './savings-catch-up.js';
import { SavingsController } from './savings.controller.js';
import { SavingsRepository } from './savings.repository.js';
import { SavingsService } from './savings.service.js';

/**
 * Reports for tenants and operators: savings against fifo per tenant and month. It listens to job
 * changes and reads jobs and signals; nothing imports it. The processes that plan (`catchUp`) also
 * count, every minute, finished jobs whose end was not counted as it was announced.
 */
@Module({})
export class ReportsModule {
  static forRoot({ catchUp }: { catchUp: boolean }): DynamicModule {
    return {
      module: ReportsModule,
      imports: [JobsModule, SignalsModule],
      controllers: [SavingsController],
      providers: [SavingsService, SavingsRepository, ...(catchUp ? [SavingsCatchUp] : [])],
    };
  }
}
