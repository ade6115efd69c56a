import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { Redis } from 'ioredis';
import type { EnergyTotals } from '../domain/energy/energy-meter.js';
import {
  emptyRow,
  type EndedState,
  ENDED_STATES,
  type JobSavings,
  type SavingsRow,
} from '../domain/reports/savings.js';
import { RedisKeys } from '../redis/redis-keys.js';

/**
 * Adds a job's figures to its month (KEYS[1], a hash) once: the job id (ARGV[1]) joins the month's
 * set of counted jobs (KEYS[2]) in the same script, so a second announcement, another instance or a
 * catch-up adds nothing. Both keys expire together (ARGV[2], real ms). Pairs of field and amount from
 * ARGV[3].
 */
const ADD_ONCE = `
if redis.call('SADD', KEYS[2], ARGV[1]) == 0 then return 0 end
for i = 3, #ARGV, 2 do redis.call('HINCRBYFLOAT', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return 1`;

type SavingsRedis = Redis & {
  addSavingsOnce(
    month: string,
    counted: string,
    jobId: string,
    ttlMs: number,
    ...fields: (string | number)[]
  ): Promise<number>;
};

const SIDES = ['westwind', 'fifo'] as const;

/**
 * Savings against fifo per tenant and UTC month: one hash per month, `<tenant>|<figure>` fields
 * (`jobs.completed`, `westwind.gridMwh`, `fifo.carbonKg`, …; tenant ids hold no `|`), and the set of
 * jobs it counts.
 */
@Injectable()
export class SavingsRepository implements OnModuleInit {
  constructor(
    @Inject(Redis) private readonly redis: SavingsRedis,
    private readonly keys: RedisKeys,
  ) {}

  onModuleInit(): void {
    if (!this.redis.addSavingsOnce) this.redis.defineCommand('addSavingsOnce', { numberOfKeys: 2, lua: ADD_ONCE });
  }

  /** Adds the job's savings to `month` unless it is counted there already; true when added now. */
  async add(month: string, savings: JobSavings, ttlMs: number): Promise<boolean> {
    const fields: (string | number)[] = [`${savings.tenant}|jobs.${savings.state}`, 1];
    for (const side of SIDES)
      for (const [figure, value] of Object.entries(savings[side]) as [string, number][])
        if (value !== 0) fields.push(`${savings.tenant}|${side}.${figure}`, value);
    const added = await this.redis.addSavingsOnce(
      this.keys.savingsMonth(month),
      this.keys.savingsMonthJobs(month),
      savings.jobId,
      Math.ceil(ttlMs),
      ...fields,
    );
    return added === 1;
  }

  /** Which of these jobs `month` counts already. */
  async counted(month: string, jobIds: readonly string[]): Promise<boolean[]> {
    if (jobIds.length === 0) return [];
    const found = await this.redis.smismember(this.keys.savingsMonthJobs(month), ...jobIds);
    return found.map((f) => f === 1);
  }

  /** The month's rows, by tenant; tenants without a counted job are absent. */
  async rows(month: string): Promise<Map<string, SavingsRow>> {
    const hash = await this.redis.hgetall(this.keys.savingsMonth(month));
    const rows = new Map<string, SavingsRow>();
    for (const [field, text] of Object.entries(hash)) {
      const [tenant, figure] = field.split('|');
      const [group, name] = figure?.split('.') ?? [];
      const row = rows.get(tenant) ?? emptyRow(tenant);
      const value = Number(text);
      if (group === 'jobs' && ENDED_STATES.includes(name as EndedState)) row.jobs[name as EndedState] = value;
      else if ((SIDES as readonly string[]).includes(group) && name in row.westwind)
        row[group as (typeof SIDES)[number]][name as keyof EnergyTotals] = value;
      else continue;
      rows.set(tenant, row);
    }
    return rows;
  }
}
