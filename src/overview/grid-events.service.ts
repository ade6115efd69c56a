import { Inject, Injectable, Logger } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { DateTime } from 'luxon';
import { CLOCK } from '../config/config.module.js';
import { WestwindConfig, timeZonesByZone } from '../config/westwind-config.js';
import type { GridEvent } from '../domain/signals/grid-event.js';
import type { Clock } from '../domain/time/clock.js';
import { HOUR_MS } from '../domain/time/hours.js';
import { formatInstant } from '../domain/time/instant.js';
import type { EventHourDto, EventTotalsDto } from '../events/dto/event-report.dto.js';
import { EventReportsRepository, type GridEventRecord } from '../events/event-reports.repository.js';
import { EventReportsService } from '../events/event-reports.service.js';
import { SignalsRepository } from '../signals/signals.repository.js';

/** Events that ended (or were withdrawn) this long ago are still listed as recent. */
export const RECENT_EVENT_HOURS = 24;
/** Listed at most (`listedEvents` says which); the dashboard says how many more there are. */
export const LISTED_EVENTS = 20;
/** Several dashboards asking within this long (real time) share one reading, as the overview does. */
const EVENTS_CACHE_MS = 1000;

/** What one of an event's intervals asks, as its sender said it (MW, UTC). */
export interface GridEventIntervalView {
  start: string;
  end: string;
  importCapMw: number | null;
  /** SIMPLE level ≥ 1 (or an emergency): the hours count as peak. */
  peak: boolean;
  emergency: string | null;
  pricePerMwh: number | null;
  carbonGPerKwh: number | null;
}

/** The events listed, and how many there are in all (in force, to come or over for less than a day). */
export interface GridEventList {
  items: GridEventView[];
  total: number;
}

/** A grid event as the dashboard lists it: what it is, its hours, and the curtailment it delivered. */
export interface GridEventView {
  id: string;
  zone: string;
  timeZone: string;
  sites: string[];
  programId: string;
  eventId: string | null;
  eventName: string | null;
  /** upcoming, active (in its hours now), ended, or withdrawn by its sender. */
  status: 'upcoming' | 'active' | 'ended' | 'withdrawn';
  start: string;
  end: string;
  receivedAt: string;
  emergency: string | null;
  /** Its intervals while the signals still hold the event (they forget it a day after it ends). */
  intervals: GridEventIntervalView[] | null;
  /** GET /v1/events/:id/report's hours and totals (null: no report could be made). */
  report: { hours: EventHourDto[]; totals: EventTotalsDto } | null;
}

/**
 * The grid events an operator watches: those to come, in force and ended in the last
 * RECENT_EVENT_HOURS, with the curtailment each delivered. Read through the events' and signals'
 * repositories; the reports are EventReportsService's (the same figures as GET /v1/events/:id/report),
 * found at run time so the overview imports no module that would build a second one.
 */
@Injectable()
export class GridEventsService {
  private readonly logger = new Logger('GridEventsOverview');
  private readonly timeZones: Map<string, string>;
  private cached?: { at: number; events: Promise<GridEventList> };

  constructor(
    private readonly records: EventReportsRepository,
    private readonly signals: SignalsRepository,
    private readonly moduleRef: ModuleRef,
    config: WestwindConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.timeZones = timeZonesByZone(config);
  }

  events(): Promise<GridEventList> {
    const at = performance.now();
    if (!this.cached || at - this.cached.at > EVENTS_CACHE_MS) {
      const events = this.read();
      this.cached = { at, events };
      events.catch(() => (this.cached = undefined));
    }
    return this.cached.events;
  }

  private async read(): Promise<GridEventList> {
    const nowMs = this.clock.now().toMillis();
    const { listed, total } = listedEvents(await this.records.all(), nowMs);
    const reports = this.reports();
    const items = await Promise.all(
      listed.map(async (record) => {
        const [stored, report] = await Promise.all([
          record.deletedAt ? undefined : this.signals.event(record.key),
          reports
            ? reports.report(record.key).then(
                ({ dto }) => ({ hours: dto.hours, totals: dto.totals }),
                (error: Error) => {
                  this.logger.warn(`report of ${record.key} not read: ${error.message}`);
                  return null;
                },
              )
            : null,
        ]);
        return view(record, stored, report, this.timeZones.get(record.zone) ?? 'UTC', nowMs);
      }),
    );
    return { items, total };
  }

  private reports(): EventReportsService | undefined {
    try {
      return this.moduleRef.get(EventReportsService, { strict: false });
    } catch {
      return undefined;
    }
  }
}

/** The order an operator reads them in: events in force, then those to come, then those over. */
const STATUS_ORDER: Record<GridEventView['status'], number> = { active: 0, upcoming: 1, ended: 2, withdrawn: 2 };

/**
 * The events listed at `nowMs`: of those not over for RECENT_EVENT_HOURS (`total`), at most LISTED_EVENTS — events in
 * force first (the latest started first), then those to come (the soonest first), then those over (the latest ended
 * first). Newest first by start alone, a grid sending the day's hourly price events ahead could push an emergency in
 * force off the list.
 */
export function listedEvents(
  records: readonly GridEventRecord[],
  nowMs: number,
): { listed: GridEventRecord[]; total: number } {
  const since = nowMs - RECENT_EVENT_HOURS * HOUR_MS;
  const recent = records
    .filter((record) => endOf(record) >= since)
    .map((record) => {
      const status = statusOf(record, nowMs);
      const when = status === 'active' ? -record.startMs : status === 'upcoming' ? record.startMs : -endOf(record);
      return { record, rank: STATUS_ORDER[status], when };
    });
  recent.sort((a, b) => a.rank - b.rank || a.when - b.when || (a.record.key < b.record.key ? -1 : 1));
  return { listed: recent.slice(0, LISTED_EVENTS).map(({ record }) => record), total: recent.length };
}

function statusOf(record: GridEventRecord, nowMs: number): GridEventView['status'] {
  if (record.deletedAt) return 'withdrawn';
  const end = endOf(record);
  return end <= nowMs ? 'ended' : record.startMs <= nowMs ? 'active' : 'upcoming';
}

function endOf(record: GridEventRecord): number {
  return Math.min(record.endMs, record.deletedAt ? Date.parse(record.deletedAt) : Infinity);
}

function iso(ms: number): string {
  return formatInstant(DateTime.fromMillis(ms, { zone: 'utc' }));
}

export function view(
  record: GridEventRecord,
  stored: GridEvent | undefined,
  report: GridEventView['report'],
  timeZone: string,
  nowMs: number,
): GridEventView {
  const end = endOf(record);
  return {
    id: record.key,
    zone: record.zone,
    timeZone,
    sites: record.sites,
    programId: record.source.programId,
    eventId: record.source.eventId ?? null,
    eventName: record.source.eventName ?? null,
    status: statusOf(record, nowMs),
    start: iso(record.startMs),
    end: iso(end),
    receivedAt: record.receivedAt,
    emergency: record.emergency ?? null,
    intervals:
      stored?.intervals.map((i) => ({
        start: iso(i.startMs),
        end: iso(i.endMs),
        importCapMw: i.importCapMw ?? null,
        peak: i.peak === true,
        emergency: i.emergency ?? null,
        pricePerMwh: i.pricePerMwh ?? null,
        carbonGPerKwh: i.carbonGPerKwh ?? null,
      })) ?? null,
    report,
  };
}
