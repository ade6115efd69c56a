import { Module } from '@nestjs/common';
import { PlanStore } from './plan.store.js';

/** The stored plan, readable by the jobs API and written by the planning loop. */
@Module({ providers: [PlanStore], exports: [PlanStore] })
export class PlanStoreModule {}
