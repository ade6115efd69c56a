import { Inject, Injectable } from '@nestjs/common';
import { Redis } from 'ioredis';
import type { PlanSummary } from '../domain/planner/plan-summary.js';
import type { JobPlan, Plan } from '../domain/planner/plan-types.js';
import type { Change } from '../redis/change-feed.js';
import { RedisKeys } from '../redis/redis-keys.js';
import { execTransaction } from '../redis/transaction.js';

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

/**
 * The same jobs and signals planned fifo (each job at once, where it fits) — what Westwind is
 * measured against — beside Westwind's plan of the very same input, so the two compare like for like.
 */
export interface Baseline {
  strategy: 'fifo';
  totals: Plan['totals'];
  westwindTotals: Plan['totals'];
  computedAt: string;
  /** The plan version current when it was computed. */
  planVersion: number;
}

/**
 * The current plan in Redis, versioned: every job's part in one hash, the rest beside it. Written
 * by planning, read by the jobs API, execution and the overview.
 */
@Injectable()
export class PlanRepository {
  constructor(
    @Inject(Redis) private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  /** Replaces the current plan in one transaction; returns its version. */
  async save(plan: Plan, createdAt: string, reason: string, summary: PlanSummary): Promise<number> {
    const version = await this.redis.incr(this.keys.planVersion());
    const meta: PlanMeta = {
      version,
      createdAt,
      start: plan.start,
      hours: plan.hours,
      strategy: plan.strategy,
      totals: plan.totals,
      reason,
    };
    const multi = this.redis.multi().del(this.keys.planJobs());
    if (plan.jobs.length > 0)
      multi.hset(this.keys.planJobs(), Object.fromEntries(plan.jobs.map((j) => [j.jobId, JSON.stringify(j)])));
    multi
      .set(this.keys.planMeta(), JSON.stringify(meta))
      .set(this.keys.planLoad(), JSON.stringify(plan.load))
      .set(this.keys.planSummary(), JSON.stringify(summary));
    multi.publish(this.keys.changes(), JSON.stringify({ kind: 'plan', version } satisfies Change));
    await execTransaction(multi, 'plan');
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

  async summary(): Promise<PlanSummary | undefined> {
    const text = await this.redis.get(this.keys.planSummary());
    return text === null ? undefined : (JSON.parse(text) as PlanSummary);
  }

  async saveBaseline(baseline: Baseline): Promise<void> {
    await this.redis.set(this.keys.planBaseline(), JSON.stringify(baseline));
  }

  async baseline(): Promise<Baseline | undefined> {
    const text = await this.redis.get(this.keys.planBaseline());
    return text === null ? undefined : (JSON.parse(text) as Baseline);
  }

  /** Each job's part of the current plan, in the order asked (undefined where it has none). */
  async jobPlans(jobIds: readonly string[]): Promise<(JobPlan | undefined)[]> {
    if (jobIds.length === 0) return [];
    const texts = await this.redis.hmget(this.keys.planJobs(), ...jobIds);
    return texts.map((text) => (text === null ? undefined : (JSON.parse(text) as JobPlan)));
  }

  async jobPlan(jobId: string): Promise<JobPlan | undefined> {
    const text = await this.redis.hget(this.keys.planJobs(), jobId);
    return text === null ? undefined : (JSON.parse(text) as JobPlan);
  }
}
