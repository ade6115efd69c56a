import { Module } from '@nestjs/common';
import { JobsModule } from '../jobs/jobs.module.js';
import { SignalsModule } from '../signals/signals.module.js';
import { SavingsController } from './savings.controller.js';
import { SavingsRepository } from './savings.repository.js';
import { SavingsService } from './savings.service.js';

/**
 * Reports for tenants and operators: savings against fifo per tenant and month. It listens to job
 * changes and reads jobs and signals; nothing imports it.
 */
@Module({
  imports: [JobsModule, SignalsModule],
  controllers: [SavingsController],
  providers: [SavingsService, SavingsRepository],
})
export class ReportsModule {}
