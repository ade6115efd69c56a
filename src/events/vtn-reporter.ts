import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger } from '@nestjs/common';
import { DelayedError, type Job } from 'bullmq';
import { DateTime } from 'luxon';
import { CLOCK } from '../config/config.module.js';
import { WestwindConfig } from '../config/westwind-config.js';
import { type Clock, realMsUntil } from '../domain/time/clock.js';
import { formatInstant } from '../domain/time/instant.js';
import { EventReportsRepository } from './event-reports.repository.js';
import { EventReportsService } from './event-reports.service.js';
import { VTN_REPORTS_QUEUE, type VtnReportJobData } from './events.constants.js';
import { openAdrReport } from './openadr-report.js';

/** A VTN that did not take the report: retried with backoff, then given up. */
class VtnError extends Error {
  override name = 'VtnError';
}

/** What one report job did. */
export type VtnOutcome = { outcome: 'sent'; reportId?: string } | { outcome: 'skipped'; detail: string };

/**
 * Sends each event's curtailment to its VTN as an OpenADR 3 report (`POST <vtn>/reports`, the
 * VTN's bearer token: the subscription's unless `vtn.token` is set) once the event has ended. A
 * VTN that answers non-2xx (but 409: it holds that report already) or not at all is retried with
 * exponential backoff (`vtn.attempts`, `vtn.backoffMs`); where it stands is in the event's report.
 * Runs where planning runs (the `planner` role).
 */
@Processor(VTN_REPORTS_QUEUE)
export class VtnReporter extends WorkerHost {
  private readonly logger = new Logger('VtnReports');

  constructor(
    private readonly reports: EventReportsService,
    private readonly repository: EventReportsRepository,
    private readonly config: WestwindConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    super();
  }

  async process(job: Job<VtnReportJobData>, token?: string): Promise<VtnOutcome> {
    const { key } = job.data;
    const record = await this.repository.get(key);
    const subscription = this.config.openadr.find((s) => s.id === record?.source.subscription);
    const vtn = subscription?.vtn;
    if (!record || !vtn || !record.source.eventId) return { outcome: 'skipped', detail: 'no event or no VTN' };
    const endMs = Math.min(record.endMs, record.deletedAt ? Date.parse(record.deletedAt) : Infinity);
    const wait = realMsUntil(this.clock, DateTime.fromMillis(endMs));
    if (wait > 0) {
      // Fired early (a rounded delay, or the event was extended since): until the event ends.
      await job.moveToDelayed(Date.now() + Math.ceil(wait), token);
      throw new DelayedError();
    }
    const attempt = job.attemptsMade + 1;
    const status = (state: 'sent' | 'retrying' | 'failed', extra: { reportId?: string; detail?: string }) =>
      this.repository.setVtnStatus(key, { state, attempts: attempt, at: formatInstant(this.clock.now()), ...extra });
    try {
      const { hours } = await this.reports.report(key);
      const body = openAdrReport(
        { programId: record.source.programId, eventId: record.source.eventId, key },
        hours,
        vtn.venName,
      );
      const url = `${vtn.url.replace(/\/+$/, '')}/reports`;
      const reportId = await this.post(url, vtn.token ?? subscription.token, body, vtn.timeoutMs);
      await status('sent', reportId ? { reportId } : {});
      this.logger.log(`curtailment of ${key} reported to ${vtn.url} (attempt ${attempt})`);
      return { outcome: 'sent', reportId };
    } catch (error) {
      const last = attempt >= (job.opts.attempts ?? 1);
      const detail = (error as Error).message;
      await status(last ? 'failed' : 'retrying', { detail });
      this.logger.warn(`report of ${key} to ${vtn.url}, attempt ${attempt}: ${detail}${last ? '; giving up' : ''}`);
      throw error;
    }
  }

  /** POSTs the report; the VTN's id of it when it says. */
  private async post(url: string, token: string, body: unknown, timeoutMs: number): Promise<string | undefined> {
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'error',
      });
    } catch (error) {
      const e = error as Error & { cause?: Error };
      throw new VtnError(
        e.name === 'TimeoutError'
          ? `no answer within ${timeoutMs} ms`
          : `unreachable (${e.cause?.message ?? e.message})`,
      );
    }
    const text = await response.text().catch(() => '');
    // 409: "identical report exists" (OpenADR 3): an earlier attempt got through.
    if (response.status === 409) return undefined;
    if (!response.ok) throw new VtnError(`answered HTTP ${response.status}${text ? ` ${text.slice(0, 200)}` : ''}`);
    try {
      const id = (JSON.parse(text) as { id?: unknown }).id;
      return typeof id === 'string' ? id : undefined;
    } catch {
      return undefined;
    }
  }
}
