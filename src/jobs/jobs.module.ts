import { Module } from '@nestjs/common';
import { IdempotencyModule } from '../idempotency/idempotency.module.js';
import { PlansModule } from '../plans/plans.module.js';
import { SignalsModule } from '../signals/signals.module.js';
import { DeadlineCheck } from './deadline-check.js';
import { JobChanges } from './job-changes.js';
import { JobsController } from './jobs.controller.js';
import { JobsRepository } from './jobs.repository.js';
import { JobsService } from './jobs.service.js';

/** Jobs: the tenants' API (submit, list, cancel), the job records, and the changes others act on. */
@Module({
  imports: [IdempotencyModule, PlansModule, SignalsModule],
  controllers: [JobsController],
  providers: [JobsService, JobsRepository, DeadlineCheck, JobChanges],
  exports: [JobsService, JobsRepository, JobChanges],
})
export class JobsModule {}
