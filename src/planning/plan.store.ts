import { Inject, Injectable } from '@nestjs/common';
import { Redis } from 'ioredis';
import type { JobPlan, Plan } from '../domain/planner/plan-types.js';
import { RedisKeys } from '../redis/redis-keys.js';

/** What the service knows of the current plan, besides each job's part. */
export interface PlanMeta {
  version: number;
  createdAt: string;
  start: string;
  hours: number;
  strategy: string;
  totals: Plan['totals'];
  reason: string;
}

/** The current plan in Redis, versioned: every job's part in one hash, the rest beside it. */
@Injectable()
export class PlanStore {
  constructor(
    @Inject(Redis) private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  /** Replaces the current plan in one transaction; returns its version. */
  async save(plan: Plan, createdAt: string, reason: string): Promise<number> {
    const version = await this.redis.incr(this.keys.planVersion());
    const meta: PlanMeta = { version, createdAt, start: plan.start, hours: plan.hours, strategy: plan.strategy, totals: plan.totals, reason };
    const multi = this.redis.multi().del(this.keys.planJobs());
    if (plan.jobs.length > 0) multi.hset(this.keys.planJobs(), Object.fromEntries(plan.jobs.map((j) => [j.jobId, JSON.stringify(j)])));
    multi.set(this.keys.planMeta(), JSON.stringify(meta)).set(this.keys.planLoad(), JSON.stringify(plan.load));
    const results = await multi.exec();
    const failed = results?.find(([error]) => error);
    if (!results || failed) throw failed?.[0] ?? new Error('plan transaction was discarded');
    return version;
  }

  async meta(): Promise<PlanMeta | undefined> {
    const text = await this.redis.get(this.keys.planMeta());
    return text === null ? undefined : (JSON.parse(text) as PlanMeta);
  }

  /** Per site and hour, what the current plan already uses (hours from meta.start). */
  async load(): Promise<Plan['load'] | undefined> {
    const text = await this.redis.get(this.keys.planLoad());
    return text === null ? undefined : (JSON.parse(text) as Plan['load']);
  }

  async jobPlan(jobId: string): Promise<JobPlan | undefined> {
    const text = await this.redis.hget(this.keys.planJobs(), jobId);
    return text === null ? undefined : (JSON.parse(text) as JobPlan);
  }
}
