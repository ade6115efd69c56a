import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { DateTime } from 'luxon';
import type { Principal } from '../auth/tenant-directory.js';
import { ProblemException } from '../common/problem.js';
import { CLOCK } from '../config/config.module.js';
import { WestwindConfig } from '../config/westwind-config.js';
import type { Job } from '../domain/jobs/job.js';
import {
  emptyRow,
  energySpan,
  jobEnergy,
  jobSavings,
  keptMonths,
  monthExpiry,
  monthOf,
  monthRange,
  rowFigures,
  type RowFigures,
  SAVINGS_MONTHS_KEPT,
  supplyFrom,
  totalRow,
} from '../domain/reports/savings.js';
import { type Clock, realMsUntil } from '../domain/time/clock.js';
import { DAY_MS } from '../domain/time/hours.js';
import { formatInstant } from '../domain/time/instant.js';
import { JobChanges } from '../jobs/job-changes.js';
import { JobsRepository } from '../jobs/jobs.repository.js';
import { SignalsService } from '../signals/signals.service.js';
import { SavingsRepository } from './savings.repository.js';

/** How far back (service time) the catch-up looks for finished jobs not counted yet. */
export const CATCH_UP_WINDOW_MS = 2 * DAY_MS;

/** The savings report of a month: one row per tenant the caller may see, and their totals. */
export interface SavingsReport {
  month: string;
  timeZone: 'UTC';
  from: string;
  to: string;
  /** Whether the month is over on the service clock (otherwise the figures still grow). */
  complete: boolean;
  generatedAt: string;
  tenants: RowFigures[];
  totals: Omit<RowFigures, 'tenant'>;
}

/**
 * Savings against fifo per tenant and month. Listens to job changes (jobs and execution announce
 * a job's end; nobody imports this module) and, when a job ends, adds what it used and what fifo
 * would have used to its tenant's month in Redis, once. Reads the month back for the report.
 */
@Injectable()
export class SavingsService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Savings');
  private stopListening?: () => void;
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly jobs: JobsRepository,
    private readonly changes: JobChanges,
    private readonly signals: SignalsService,
    private readonly repository: SavingsRepository,
    private readonly config: WestwindConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    // The announcer waits for its listeners (a cancel's answer among them): the counting runs apart.
    this.stopListening = this.changes.listen((change) => {
      if (change.change === 'completed' || change.change === 'failed' || change.change === 'cancelled')
        this.inBackground(change.change === 'cancelled' ? this.count(change.job) : this.countById(change.jobId));
    });
  }

  async onModuleDestroy(): Promise<void> {
    this.stopListening?.();
    await Promise.allSettled([...this.inFlight]);
  }

  /**
   * Adds a finished job's savings to the month it ended in (UTC), unless counted already; true when
   * added now. A month already past the report's retention is not written.
   */
  async count(job: Job): Promise<boolean> {
    const energy = jobEnergy(job, (site) => this.jobs.powerMw(job, site));
    const { fromMs, hours } = energySpan(energy);
    const signals =
      hours > 0 ? await this.signals.siteSignals(DateTime.fromMillis(fromMs, { zone: 'utc' }), hours) : new Map();
    const savings = jobSavings(energy, supplyFrom(signals, fromMs, hours));
    const month = monthOf(energy.endedMs);
    const ttlMs = realMsUntil(this.clock, monthExpiry(month));
    if (ttlMs <= 0) return false;
    return this.repository.add(month, savings, ttlMs);
  }

  /** The month's report (`YYYY-MM`, default the service clock's month): a tenant sees its own row, an operator all. */
  async report(monthText: string | undefined, principal: Principal): Promise<SavingsReport> {
    const now = this.clock.now();
    const month = monthText ?? monthOf(now.toMillis());
    const range = monthRange(month);
    const kept = keptMonths(now);
    if (!range || month < kept.oldest || month > kept.newest) {
      const message = `must be a month (YYYY-MM, UTC) from ${kept.oldest} to ${kept.newest}`;
      throw ProblemException.invalid(400, [
        { field: 'month', message: `${message}: the report keeps ${SAVINGS_MONTHS_KEPT} months` },
      ]);
    }
    const stored = await this.repository.rows(month);
    const tenants =
      principal.kind === 'tenant'
        ? [principal.id]
        : [...new Set([...this.config.tenants.map((t) => t.id), ...stored.keys()])].sort();
    const rows = tenants.map((tenant) => stored.get(tenant) ?? emptyRow(tenant));
    const { tenant: _, ...totals } = rowFigures(totalRow(rows, ''));
    return {
      month,
      timeZone: 'UTC',
      from: formatInstant(range.start),
      to: formatInstant(range.end),
      complete: now >= range.end,
      generatedAt: formatInstant(now),
      tenants: rows.map(rowFigures),
      totals,
    };
  }

  /**
   * Counts the jobs that finished in the last CATCH_UP_WINDOW_MS (service clock) and are not counted
   * yet: those whose end was never announced (a job failed by dispatch after its retries) or whose
   * counting was lost (a crash, Redis away). Returns how many it added.
   */
  async catchUp(): Promise<number> {
    const finished = await this.jobs.finishedSince(this.clock.now().toMillis() - CATCH_UP_WINDOW_MS);
    const byMonth = new Map<string, string[]>();
    for (const { id, finishedMs } of finished) {
      const month = monthOf(finishedMs);
      byMonth.set(month, [...(byMonth.get(month) ?? []), id]);
    }
    let added = 0;
    for (const [month, ids] of byMonth) {
      const counted = await this.repository.counted(month, ids);
      for (const id of ids.filter((_, i) => !counted[i])) if (await this.countById(id)) added++;
    }
    return added;
  }

  private async countById(jobId: string): Promise<boolean> {
    const job = await this.jobs.get(jobId);
    return job ? this.count(job) : false;
  }

  private inBackground(work: Promise<unknown>): void {
    const tracked = work
      .catch((error: Error) => this.logger.warn(`savings not counted yet: ${error.message}`))
      .finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }
}
