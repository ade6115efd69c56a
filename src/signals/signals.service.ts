import { Inject, Injectable } from '@nestjs/common';
import { DateTime } from 'luxon';
import { Subject } from 'rxjs';
import { CLOCK } from '../config/config.module.js';
import { WebhookSenderConfig, WestwindConfig, ZoneConfig } from '../config/westwind-config.js';
import { ProblemException } from '../common/problem.js';
import { zoneRenewableMw, zoneSurplusMw } from '../domain/energy/site-supply.js';
import type { FieldError } from '../domain/field-error.js';
import { forecastToHours, pointProblems, Resolution } from '../domain/signals/forecast.js';
import { parseForecastCsv } from '../domain/signals/forecast-csv.js';
import { loadErrorByLead } from '../domain/signals/measured-forecast-error.js';
import { SiteHourSignals, wholeLocalDays, zoneSiteSignals, ZoneSeries } from '../domain/signals/site-signals.js';
import type { Clock } from '../domain/time/clock.js';
import { formatInstant, parseInstant } from '../domain/time/instant.js';
import { IdempotencyRepository, StoredResponse } from '../idempotency/idempotency.repository.js';
import type { ForecastAcceptedDto, ZoneDto, ZoneSignalsDto } from './dto/zone-signals.dto.js';
import { SignalsRepository } from './signals.repository.js';
import { execTransaction } from '../redis/transaction.js';
import { HOUR_MS, hourStartMs } from '../domain/time/hours.js';
import { ForecastPullStatusRepository } from './providers/forecast-pull-status.repository.js';
import { type StoredHour } from './providers/forecast-overlay.js';
import { providerStatuses } from './providers/pull-status-view.js';
import { ForecastErrorService, type SeriesForecastError } from './forecast-error.service.js';
import type { ForecastAuditEntry, ForecastSubmission } from './forecast-revisions.js';

export type { ForecastSubmission } from './forecast-revisions.js';

/** Emitted after a forecast is stored: the planner re-plans on it. */
export interface SignalsChanged {
  zone: string;
  from: string;
  to: string;
  /** A grid event that constrains the current hour changed: re-plan and dispatch at once. */
  urgent?: boolean;
}

/** issuedAt may run ahead of our clock by this much (clock skew), not more. */
const ISSUED_AT_SKEW_MS = 5 * 60_000;
/** Forecast hours older than this are forgotten. */
export const SIGNALS_RETENTION_DAYS = 30;
/** The longest range GET /v1/zones/:zone/signals returns. */
export const MAX_SIGNALS_RANGE_HOURS = 31 * 24;

@Injectable()
export class SignalsService {
  /** "signals changed" events, one per accepted forecast. */
  readonly changes = new Subject<SignalsChanged>();
  /** Each zone's last few site signals judged under its load forecast error, by what they were judged on. */
  private readonly judged = new JudgedSignals();
  private readonly zones: Map<string, ZoneConfig>;

  constructor(
    private readonly repository: SignalsRepository,
    private readonly idempotency: IdempotencyRepository,
    private readonly config: WestwindConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly pulls: ForecastPullStatusRepository,
    private readonly forecastErrors: ForecastErrorService,
  ) {
    this.zones = new Map(config.zones.map((z) => [z.id, z]));
  }

  /**
   * Stores a verified forecast webhook all-or-nothing. A repeated webhook-id returns the first
   * answer and stores nothing new; a bad forecast is refused naming the field or point.
   */
  async acceptWebhook(
    sender: WebhookSenderConfig,
    webhookId: string,
    rawBody: Buffer,
    forecast: ForecastSubmission,
  ): Promise<{ response: StoredResponse; replayed: boolean }> {
    const scope = `webhook:${sender.id}`;
    const fingerprint = this.idempotency.fingerprint('POST /v1/webhooks/forecasts', rawBody);
    return this.idempotency.once(scope, webhookId, fingerprint, 'webhook-id', (remember) => {
      if (sender.zones && !sender.zones.includes(forecast.zone)) {
        throw ProblemException.of(
          403,
          'zone-not-allowed',
          'Zone not allowed for this sender',
          `Sender "${sender.id}" may not publish forecasts for zone "${forecast.zone}".`,
        );
      }
      return this.store(forecast, { sender: sender.id, webhookId, forecast }, remember);
    });
  }

  /** A forecast from inside the service (the demo's replayed grid data): the same checks and merge as a webhook. */
  async acceptForecast(forecast: ForecastSubmission, source: string): Promise<StoredResponse> {
    if (!this.zones.has(forecast.zone))
      throw ProblemException.of(404, 'zone-not-found', 'Zone not found', `No zone "${forecast.zone}" is configured.`);
    return this.store(forecast, { source, forecast }, () => undefined);
  }

  /**
   * An operator's CSV upload for one zone: the same checks and merge as a webhook, problems named
   * by line number. Uploading the same file twice changes nothing (same issuedAt).
   */
  async acceptCsv(
    operator: string,
    zone: string,
    csv: string,
    issuedAt: string | undefined,
    resolution: Resolution,
  ): Promise<StoredResponse> {
    if (!this.zones.has(zone))
      throw ProblemException.of(404, 'zone-not-found', 'Zone not found', `No zone "${zone}" is configured.`);
    const { points, problems } = parseForecastCsv(csv);
    if (problems) throw ProblemException.invalid(422, problems);
    const submission = { zone, issuedAt: issuedAt ?? formatInstant(this.clock.now()), resolution, points };
    try {
      return await this.store(submission, { operator, csv: submission }, () => undefined);
    } catch (error) {
      if (error instanceof ProblemException && error.problem.errors) {
        // points[i] is line i + 2 of the file (after the header).
        const errors = error.problem.errors.map((e) => ({
          ...e,
          field: e.field.replace(/^points\[(\d+)\]\.start$/, (_, i: string) => `line ${Number(i) + 2}: start`),
        }));
        throw ProblemException.invalid(422, errors);
      }
      throw error;
    }
  }

  /**
   * Forgets forecast hours older than SIGNALS_RETENTION_DAYS and grid events that ended a day ago,
   * so Redis does not grow with every forecast ever received. The audit stream is capped already.
   */
  async prune(): Promise<{ hours: number; events: number }> {
    const now = this.clock.now();
    const cutoff = now.minus({ days: SIGNALS_RETENTION_DAYS }).toMillis();
    let hours = 0;
    for (const zone of this.config.zones) hours += await this.repository.pruneHours(zone.id, cutoff);
    const events = await this.repository.pruneEvents(now.minus({ days: 1 }).toMillis());
    return { hours, events };
  }

  /** Zones with the latest issuedAt and the hours their effective series covers. */
  async listZones(): Promise<ZoneDto[]> {
    return Promise.all(
      this.config.zones.map(async (zone) => {
        const [coverage, pulls, error] = await Promise.all([
          this.repository.coverage(zone.id),
          this.pulls.all(zone.id),
          this.forecastErrors.forZone(zone),
        ]);
        return {
          id: zone.id,
          name: zone.name,
          timeZone: zone.timeZone,
          latestIssuedAt: coverage.latestIssuedAt === undefined ? null : iso(coverage.latestIssuedAt),
          hoursCovered: coverage.hours,
          firstHour: coverage.firstHour === undefined ? null : iso(coverage.firstHour),
          lastHourEnd: coverage.lastHour === undefined ? null : iso(coverage.lastHour + HOUR_MS),
          providers: providerStatuses(zone, pulls, this.clock.now().toMillis()),
          forecastError: forecastErrorView(error.supply),
          loadForecastError: forecastErrorView(error.load),
        };
      }),
    );
  }

  /** The effective hourly series of a zone with derived fields, and per site green supply, peak flag and import cap. */
  async signals(zoneId: string, fromText?: string, toText?: string): Promise<ZoneSignalsDto> {
    const zone = this.zones.get(zoneId);
    if (!zone) throw ProblemException.of(404, 'zone-not-found', 'Zone not found', `No zone "${zoneId}" is configured.`);
    const from = (fromText ? parseInstant(fromText)! : this.clock.now()).startOf('hour');
    const to = toText
      ? parseInstant(toText)!.plus({ minutes: 59, seconds: 59 }).startOf('hour')
      : from.plus({ hours: 48 });
    const hours = Math.round(to.diff(from, 'hours').hours);
    if (hours <= 0 || hours > MAX_SIGNALS_RANGE_HOURS) {
      throw ProblemException.invalid(400, [
        { field: 'to', message: `must be after from and at most ${MAX_SIGNALS_RANGE_HOURS / 24} days later` },
      ]);
    }
    const view = await this.zoneView(zone, from, hours);
    const hourStart = (h: number) => iso(from.toMillis() + h * HOUR_MS);
    return {
      zone: zone.id,
      timeZone: zone.timeZone,
      from: formatInstant(from),
      to: formatInstant(to),
      hours: view.series.values.map((v, h) => {
        return {
          start: hourStart(h),
          local: from.plus({ hours: h }).setZone(zone.timeZone).toFormat("yyyy-MM-dd'T'HH:mmZZ"),
          forecast: v ? { ...v, hour: undefined, issuedAt: iso(view.issuedAt.get(v.hour)!) } : null,
          renewableMw: v ? zoneRenewableMw(v) : null,
          surplusMw: v ? zoneSurplusMw(v) : null,
          peak: view.zonePeak[h] === 1,
          peakChance: chanceAt(view.zonePeakChance, h),
        };
      }),
      sites: view.sites.map(({ id, signals }) => ({
        id,
        hours: Array.from({ length: hours }, (_, h) => ({
          start: hourStart(h),
          greenMw: view.series.values[h] ? signals.greenMw[h] : null,
          peak: signals.peak[h] === 1,
          peakChance: chanceAt(signals.peakChance, h),
          importCapMw: Number.isFinite(signals.importCapMw[h]) ? signals.importCapMw[h] : null,
          pricePerMwh: signals.pricePerMwh[h] ?? null,
          carbonGPerKwh: signals.carbonGPerKwh[h] ?? null,
        })),
      })),
    };
  }

  /**
   * A zone's stored hours in [fromMs, toMs) with the issuedAt each came from: what a forecast pull
   * lays its fields over.
   */
  storedHours(zone: string, fromMs: number, toMs: number): Promise<Map<number, StoredHour>> {
    return this.repository.hours(zone, fromMs, toMs);
  }

  /** Every site's signals for the hours [from, from + hours), as the planner reads them. */
  async siteSignals(from: DateTime, hours: number): Promise<Map<string, SiteHourSignals>> {
    const views = await Promise.all(this.config.zones.map((zone) => this.zoneView(zone, from, hours)));
    return new Map(views.flatMap((view) => view.sites.map((site) => [site.id, site.signals] as const)));
  }

  /**
   * A zone's effective series for [from, from + hours) and each of its sites' signals. Where the zone's peaks follow
   * its load forecast, they are judged under the load forecast's error (configured, measured, default): every hour
   * with PEAK_CHANCE_THRESHOLD chance of turning out a peak is one, and the chances come along.
   */
  private async zoneView(zone: ZoneConfig, from: DateTime, hours: number) {
    // Whole local days are read: a load-derived peak is judged against its day's maximum (zonePeaks).
    const range = wholeLocalDays(from, hours, zone.timeZone);
    const [stored, events, error] = await Promise.all([
      this.repository.hours(zone.id, range.start.toMillis(), range.start.toMillis() + range.hours * HOUR_MS),
      this.repository.events(zone.id),
      zone.peak?.loadWithin === undefined ? undefined : this.forecastErrors.forZone(zone),
    ]);
    const valuesFrom = (start: DateTime, count: number) =>
      Array.from({ length: count }, (_, h) => {
        const hourMs = start.toMillis() + h * HOUR_MS;
        const found = stored.get(hourMs);
        return found ? { hour: hourMs, ...found.values } : undefined;
      });
    const series: ZoneSeries = { start: from, hours, values: valuesFrom(from, hours) };
    const days: ZoneSeries = { start: range.start, hours: range.hours, values: valuesFrom(range.start, range.hours) };
    // Each hour's error is that of the forecast it holds, by lead from its issuedAt; hours gone are known.
    const loadError =
      error &&
      loadErrorByLead(
        error.load.buckets,
        from.toMillis(),
        this.clock.now().toMillis(),
        (hour) => stored.get(hour)?.issuedAt,
      );
    const sites = this.config.sites.filter((s) => s.zone === zone.id);
    const judge = () => zoneSiteSignals(series, zone, sites, events, days, loadError);
    // Judging peaks under the error draws each day 200 times (about 15 ms a zone for the planning horizon): the
    // planner, every submission's deadline probe and the dashboard ask for the same hours until something changes.
    const inputs = () => [from.toMillis(), hours, hourStartMs(this.clock.now().toMillis()), error, events, [...stored]];
    const { zonePeak, zonePeakChance, sites: signals } = loadError ? this.judged.get(zone.id, inputs, judge) : judge();
    const inRange = [...stored].filter(([hour]) => hour >= from.toMillis() && hour < from.toMillis() + hours * HOUR_MS);
    const issuedAt = new Map(inRange.map(([hour, v]) => [hour, v.issuedAt]));
    return { series, zonePeak, zonePeakChance, sites: signals, issuedAt };
  }

  private async store(
    forecast: ForecastSubmission,
    audit: ForecastAuditEntry,
    rememberAnswer: (answer: StoredResponse, multi: ReturnType<SignalsRepository['multi']>) => void,
  ): Promise<StoredResponse> {
    const now = this.clock.now();
    if (!this.zones.has(forecast.zone))
      throw ProblemException.invalid(422, [{ field: 'zone', message: `unknown zone "${forecast.zone}"` }]);
    const shape = pointProblems(forecast.points);
    if (shape.length > 0) throw ProblemException.invalid(400, shape);
    const issuedAt = parseInstant(forecast.issuedAt)!;
    const problems: FieldError[] = [];
    if (issuedAt.toMillis() > now.toMillis() + ISSUED_AT_SKEW_MS)
      problems.push({ field: 'issuedAt', message: 'is in the future' });
    const { hours, problems: hourProblems } = forecastToHours(forecast.points, forecast.resolution, now);
    problems.push(...(hourProblems ?? []));
    if (problems.length > 0 || !hours) throw ProblemException.invalid(422, problems);
    const from = iso(hours[0].hour);
    const to = iso(hours[hours.length - 1].hour + HOUR_MS);
    const accepted: ForecastAcceptedDto = {
      zone: forecast.zone,
      issuedAt: formatInstant(issuedAt),
      hours: hours.length,
      from,
      to,
    };
    const answer: StoredResponse = { status: 200, body: accepted };
    const multi = this.repository.multi();
    this.repository.merge(multi, forecast.zone, issuedAt.toMillis(), hours, audit);
    rememberAnswer(answer, multi);
    await execTransaction(multi, 'forecast');
    this.changes.next({ zone: forecast.zone, from, to });
    return answer;
  }
}

/** The chance hour h turns out a peak, to 3 decimals (the draws behind it are good to about ±0.035); null: certain. */
function chanceAt(chance: Float64Array | undefined, h: number): number | null {
  return chance ? Math.round(chance[h] * 1000) / 1000 : null;
}

function forecastErrorView(error: SeriesForecastError): ZoneDto['forecastError'] {
  return {
    revisions: error.revisions,
    buckets: error.buckets.map(({ id, fromHours, toHours, relativeError, source, measured }) => ({
      lead: id,
      fromHours,
      toHours,
      relativeError: round(relativeError),
      source,
      measured: {
        relativeError: measured.relativeError === null ? null : round(measured.relativeError),
        pairs: measured.pairs,
        hours: measured.hours,
      },
    })),
  };
}

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}

function iso(ms: number): string {
  return formatInstant(DateTime.fromMillis(ms, { zone: 'utc' }));
}

type Judged = ReturnType<typeof zoneSiteSignals>;

/**
 * A few zoneSiteSignals results per zone, by their inputs (as JSON): handed out as copies, so no reader's change
 * reaches another.
 */
class JudgedSignals {
  private static readonly KEPT_PER_ZONE = 4;
  private readonly byZone = new Map<string, { key: string; result: Judged }[]>();

  get(zone: string, inputs: () => unknown, judge: () => Judged): Judged {
    const key = JSON.stringify(inputs());
    const kept = this.byZone.get(zone) ?? [];
    let found = kept.find((entry) => entry.key === key);
    if (!found) {
      found = { key, result: judge() };
      this.byZone.set(zone, [found, ...kept].slice(0, JudgedSignals.KEPT_PER_ZONE));
    }
    return copyJudged(found.result);
  }
}

function copyJudged(judged: Judged): Judged {
  const copy = <T>(value: T): T =>
    (ArrayBuffer.isView(value)
      ? (value as unknown as Uint8Array).slice()
      : Array.isArray(value)
        ? [...value]
        : value) as T;
  return {
    zonePeak: judged.zonePeak.slice(),
    zonePeakChance: judged.zonePeakChance?.slice(),
    // The draws are read only (lateRisk counts them): shared, not copied.
    zonePeakDraws: judged.zonePeakDraws,
    sites: judged.sites.map(({ id, signals }) => ({
      id,
      signals: Object.fromEntries(Object.entries(signals).map(([k, v]) => [k, copy(v)])) as unknown as SiteHourSignals,
    })),
  };
}
