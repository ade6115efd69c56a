import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Queue } from 'bullmq';
import { DateTime } from 'luxon';
import { ProblemException } from '../common/problem.js';
import { CLOCK } from '../config/config.module.js';
import { WestwindConfig, timeZonesByZone } from '../config/westwind-config.js';
import {
  curtailment,
  type CurtailmentHour,
  eventHours,
  planBaseline,
  updatedBaseline,
} from '../domain/energy/curtailment.js';
import { withOpenSegments } from '../domain/energy/energy-meter.js';
import { PLANNING_HORIZON_HOURS } from '../domain/planner/plan-input.js';
import type { GridEvent } from '../domain/signals/grid-event.js';
import { type Clock, realMsUntil } from '../domain/time/clock.js';
import { HOUR_MS } from '../domain/time/hours.js';
import { formatInstant } from '../domain/time/instant.js';
import { JobsRepository } from '../jobs/jobs.repository.js';
import { PlanRepository } from '../plans/plan.repository.js';
import { GridEventChange, GridEventHooks } from '../signals/grid-event-hooks.js';
import { SignalsService } from '../signals/signals.service.js';
import type { EventHourDto, EventReportDto } from './dto/event-report.dto.js';
import { EventReportsRepository, type GridEventRecord } from './event-reports.repository.js';
import { VTN_REPORT_JOB, VTN_REPORTS_QUEUE, type VtnReportJobData, vtnReportJobId } from './events.constants.js';

/** A report's hours, sites and figures, computed now. */
export interface CurtailmentReport {
  record: GridEventRecord;
  hours: CurtailmentHour[];
  dto: EventReportDto;
}

/**
 * The curtailment each grid event delivered. Just before an event is applied (GridEventHooks), the
 * current plan's grid import at its sites in its hours is kept as its baseline; a report compares
 * it, hour by hour, with the grid import metered since (AI energy from the sites' ledgers and the
 * running segments, less their green supply). For an OpenADR event whose VTN is configured, a
 * report is queued for when the event ends (VtnReporter sends it).
 */
@Injectable()
export class EventReportsService implements OnModuleInit, OnModuleDestroy {
  private stopListening?: () => void;
  private stopForgetting?: () => void;
  private readonly timeZones: Map<string, string>;

  constructor(
    private readonly repository: EventReportsRepository,
    private readonly plans: PlanRepository,
    private readonly jobs: JobsRepository,
    private readonly signals: SignalsService,
    private readonly hooks: GridEventHooks,
    private readonly config: WestwindConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @InjectQueue(VTN_REPORTS_QUEUE) private readonly queue: Queue<VtnReportJobData>,
  ) {
    this.timeZones = timeZonesByZone(config);
  }

  onModuleInit(): void {
    this.stopListening = this.hooks.beforeApply((change) => this.record(change));
    // Housekeeping forgets records (and report statuses) of events past the signals' retention.
    this.stopForgetting = this.hooks.onForget((endedBeforeMs) => this.repository.pruneEndedBefore(endedBeforeMs));
  }

  onModuleDestroy(): void {
    this.stopListening?.();
    this.stopForgetting?.();
  }

  /**
   * Keeps the event's baseline (from the plan it is about to change) and queues its VTN report. The
   * record is changed by compare-and-set: another instance handling the same event meanwhile (a
   * VTN's retry) makes this one apply its change again to what that one stored.
   */
  async record(change: GridEventChange): Promise<void> {
    const now = this.clock.now();
    const nowMs = now.toMillis();
    if (change.operation === 'DELETE') {
      const { after: deleted } = await this.repository.update(
        change.event.key,
        (existing) => existing && { ...existing, deletedAt: formatInstant(now), updatedAt: formatInstant(now) },
      );
      if (deleted) await this.scheduleVtnReport(deleted, Math.min(deleted.endMs, nowMs));
      return;
    }
    const event = change.event;
    const sites = event.sites ?? this.config.sites.filter((s) => s.zone === event.zone).map((s) => s.id);
    const [meta, load] = await Promise.all([this.plans.meta(), this.plans.load()]);
    const fresh = planBaseline(
      eventHours(event, nowMs, PLANNING_HORIZON_HOURS),
      sites,
      load,
      meta ? Date.parse(meta.start) : undefined,
    );
    const { after: record } = await this.repository.update(event.key, (existing) => ({
      key: event.key,
      zone: event.zone,
      sites,
      source: change.source,
      receivedAt: existing?.receivedAt ?? formatInstant(now),
      updatedAt: formatInstant(now),
      ...span(event, nowMs),
      emergency: emergencyOf(event),
      planVersion: existing ? existing.planVersion : (meta?.version ?? null),
      baseline: existing ? updatedBaseline(existing.baseline, fresh, now.startOf('hour').toMillis()) : fresh,
    }));
    await this.scheduleVtnReport(record, record.endMs);
  }

  /** The report of event `key` now; 404 problem when there is no such event. */
  async report(key: string): Promise<CurtailmentReport> {
    const record = await this.repository.get(key);
    if (!record)
      throw ProblemException.of(404, 'event-not-found', 'Event not found', `No grid event "${key}" is known.`);
    const now = this.clock.now();
    const deletedMs = record.deletedAt ? Date.parse(record.deletedAt) : Infinity;
    // A withdrawn event's hours end with the hour it was withdrawn in.
    const kept = record.baseline.hours.map((hour, h) => [hour, h] as const).filter(([hour]) => hour < deletedMs);
    const baseline = {
      hours: kept.map(([hour]) => hour),
      sites: Object.fromEntries(
        Object.entries(record.baseline.sites).map(([site, mw]) => [site, kept.map(([, h]) => mw[h])]),
      ),
    };
    const meter = await this.meter(record.sites, baseline.hours, now);
    const { hours, totals } = curtailment(baseline, meter, now.toMillis());
    const timeZone = this.timeZones.get(record.zone) ?? 'UTC';
    const status = await this.repository.vtnStatus(key);
    const dto: EventReportDto = {
      id: record.key,
      programId: record.source.programId,
      eventId: record.source.eventId ?? null,
      eventName: record.source.eventName ?? null,
      zone: record.zone,
      timeZone,
      sites: record.sites,
      receivedAt: record.receivedAt,
      deletedAt: record.deletedAt ?? null,
      start: iso(record.startMs),
      end: iso(Math.min(record.endMs, deletedMs)),
      emergency: record.emergency ?? null,
      planVersion: record.planVersion,
      hours: hours.map((hour) => hourDto(hour, timeZone)),
      totals: {
        baselineMwh: round(totals.baselineMwh),
        meteredMwh: round(totals.meteredMwh),
        curtailedMwh: round(totals.curtailedMwh),
        plannedBaselineMwh: round(totals.plannedBaselineMwh),
        complete: totals.complete,
      },
      vtnReport: status ?? null,
    };
    return { record, hours, dto };
  }

  /** AI energy per site and hour so far (ledgers plus running segments) and the sites' green supply. */
  private async meter(sites: readonly string[], hours: readonly number[], now: DateTime) {
    if (hours.length === 0) return { energyMwh: () => 0, greenMw: () => 0 };
    const tenants = this.config.tenants.map((t) => t.id);
    const [ledgers, running] = await Promise.all([
      Promise.all(sites.map((site) => this.jobs.meteredEnergy(site))),
      this.jobs.inState(tenants, 'running'),
    ]);
    const used = withOpenSegments(
      new Map(sites.map((site, i) => [site, ledgers[i]])),
      running,
      now.toMillis(),
      (job, site) => this.jobs.powerMw(job, site),
    );
    const first = hours[0];
    const span = Math.round((hours.at(-1)! - first) / HOUR_MS) + 1;
    const supply = await this.signals.siteSignals(DateTime.fromMillis(first, { zone: 'utc' }), span);
    return {
      energyMwh: (site: string, hour: number) => used.get(site)?.get(hour) ?? 0,
      greenMw: (site: string, hour: number) => supply.get(site)?.greenMw[Math.round((hour - first) / HOUR_MS)] ?? 0,
    };
  }

  /**
   * Queues the event's report to its VTN for `endMs` (service clock), replacing one queued for an
   * earlier version; an event from a subscription without a VTN, or without a VTN event id, has none.
   */
  private async scheduleVtnReport(record: GridEventRecord, endMs: number): Promise<void> {
    const subscription = this.config.openadr.find((s) => s.id === record.source.subscription);
    const vtn = subscription?.vtn;
    if (!vtn) return;
    const now = formatInstant(this.clock.now());
    if (!record.source.eventId) {
      await this.repository.setVtnStatus(record.key, {
        state: 'not-sent',
        attempts: 0,
        at: now,
        detail: 'the event has no id: an OpenADR report names its event',
      });
      return;
    }
    const id = vtnReportJobId(record.key);
    const queued = await this.queue.getJob(id);
    if (queued) {
      const state = await queued.getState();
      if (state === 'active') return; // being sent: it reads the event as it is then
      await queued.remove();
    }
    await this.queue.add(
      VTN_REPORT_JOB,
      { key: record.key },
      {
        jobId: id,
        delay: Math.max(0, Math.ceil(realMsUntil(this.clock, DateTime.fromMillis(endMs)))),
        ...vtn.queueRetry,
        removeOnComplete: 1000,
        removeOnFail: 1000,
      },
    );
    await this.repository.setVtnStatus(record.key, { state: 'waiting', attempts: 0, at: now });
  }
}

function span(event: GridEvent, nowMs: number): { startMs: number; endMs: number } {
  if (event.intervals.length === 0) return { startMs: nowMs, endMs: nowMs };
  return {
    startMs: Math.min(...event.intervals.map((i) => i.startMs)),
    endMs: Math.max(...event.intervals.map((i) => i.endMs)),
  };
}

function emergencyOf(event: GridEvent): string | undefined {
  const reasons = [...new Set(event.intervals.flatMap((i) => (i.emergency ? [i.emergency] : [])))];
  return reasons.length > 0 ? reasons.join('; ') : undefined;
}

function hourDto(hour: CurtailmentHour, timeZone: string): EventHourDto {
  const at = DateTime.fromMillis(hour.hour, { zone: 'utc' });
  return {
    hour: formatInstant(at),
    local: at.setZone(timeZone).toFormat("yyyy-MM-dd'T'HH:mmZZ"),
    elapsed: round(hour.elapsed),
    baselineMw: round(hour.baselineMw),
    meteredMw: roundOrNull(hour.meteredMw),
    curtailedMw: roundOrNull(hour.curtailedMw),
    sites: hour.sites.map((s) => ({
      site: s.site,
      baselineMw: round(s.baselineMw),
      meteredMw: roundOrNull(s.meteredMw),
      curtailedMw: roundOrNull(s.curtailedMw),
    })),
  };
}

function iso(ms: number): string {
  return formatInstant(DateTime.fromMillis(ms, { zone: 'utc' }));
}

/** To the watt (MW to 6 decimals). */
function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

function roundOrNull(value: number | null): number | null {
  return value === null ? null : round(value);
}
