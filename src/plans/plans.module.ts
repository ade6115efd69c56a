import { Module } from '@nestjs/common';
import { PlanRepository } from './plan.repository.js';

/**
 * The stored plan, its own module below jobs, planning and execution: planning writes it, the
 * jobs API, execution and the overview read it, and none of them imports another for it.
 */
@Module({ providers: [PlanRepository], exports: [PlanRepository] })
export class PlansModule {}
