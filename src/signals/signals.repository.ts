import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import type { ChainableCommander } from 'ioredis';
import { Redis } from 'ioredis';
import type { HourSignal } from '../domain/signals/forecast.js';
import type { GridEvent } from '../domain/signals/grid-event.js';
import { RedisKeys } from '../redis/redis-keys.js';
import { HOUR_MS } from '../domain/time/hours.js';
import { type ForecastAuditEntry, parseAuditEntry } from './forecast-revisions.js';

/**
 * Merges a forecast into a zone's effective series in one step: an hour takes the new value only
 * if the forecast was issued later than the one that set it, so a late, older revision never
 * overwrites newer values. The forecast itself is appended to the audit stream either way.
 */
const MERGE_FORECAST = `
local issued = tonumber(ARGV[1])
local applied = 0
for i = 4, #ARGV, 2 do
  local current = tonumber(redis.call('HGET', KEYS[2], ARGV[i]) or '-1')
  if issued > current then
    redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
    redis.call('HSET', KEYS[2], ARGV[i], ARGV[1])
    applied = applied + 1
  end
end
redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[3], '*', 'forecast', ARGV[2])
if issued > tonumber(redis.call('HGET', KEYS[3], 'latestIssuedAt') or '-1') then
  redis.call('HSET', KEYS[3], 'latestIssuedAt', ARGV[1])
end
return applied`;

/** Forecasts kept per zone for audit. */
const AUDIT_LENGTH = 500;

type SignalsRedis = Redis & {
  mergeForecast(...args: (string | number)[]): Promise<number>;
};

export interface ZoneCoverage {
  latestIssuedAt?: number;
  hours: number;
  firstHour?: number;
  lastHour?: number;
}

@Injectable()
export class SignalsRepository implements OnModuleInit {
  constructor(
    @Inject(Redis) private readonly redis: SignalsRedis,
    private readonly keys: RedisKeys,
  ) {}

  onModuleInit(): void {
    if (!this.redis.mergeForecast) this.redis.defineCommand('mergeForecast', { numberOfKeys: 4, lua: MERGE_FORECAST });
  }

  /** Adds the merge to `multi` (so it commits with whatever else the request writes); `audit` goes to the stream. */
  merge(
    multi: ChainableCommander,
    zone: string,
    issuedAt: number,
    hours: HourSignal[],
    audit: ForecastAuditEntry,
  ): void {
    const args: (string | number)[] = [
      this.keys.zoneSignals(zone),
      this.keys.zoneSignalsIssued(zone),
      this.keys.zoneMeta(zone),
      this.keys.zoneForecasts(zone),
      issuedAt,
      JSON.stringify(audit),
      AUDIT_LENGTH,
    ];
    for (const { hour, ...values } of hours) args.push(hour, JSON.stringify(values));
    (multi as unknown as { mergeForecast(...a: (string | number)[]): void }).mergeForecast(...args);
  }

  multi(): ChainableCommander {
    return this.redis.multi();
  }

  /** Effective values for the hours [fromMs, toMs), keyed by hour start (epoch ms). */
  async hours(
    zone: string,
    fromMs: number,
    toMs: number,
  ): Promise<Map<number, { values: Omit<HourSignal, 'hour'>; issuedAt: number }>> {
    const fields: string[] = [];
    for (let t = fromMs; t < toMs; t += HOUR_MS) fields.push(String(t));
    if (fields.length === 0) return new Map();
    const [values, issued] = await Promise.all([
      this.redis.hmget(this.keys.zoneSignals(zone), ...fields),
      this.redis.hmget(this.keys.zoneSignalsIssued(zone), ...fields),
    ]);
    const result = new Map<number, { values: Omit<HourSignal, 'hour'>; issuedAt: number }>();
    fields.forEach((field, i) => {
      if (values[i] !== null)
        result.set(Number(field), {
          values: JSON.parse(values[i]) as Omit<HourSignal, 'hour'>,
          issuedAt: Number(issued[i]),
        });
    });
    return result;
  }

  /** The id of the newest forecast in the zone's audit stream; null before any. */
  async latestForecastId(zone: string): Promise<string | null> {
    const [entry] = await this.redis.xrevrange(this.keys.zoneForecasts(zone), '+', '-', 'COUNT', 1);
    return entry ? entry[0] : null;
  }

  /**
   * Every forecast kept in the zone's audit stream (the last AUDIT_LENGTH or so), oldest first, as it was submitted,
   * with its stream id; an entry that cannot be read is left out.
   */
  async forecastRevisions(zone: string): Promise<{ id: string; entry: ForecastAuditEntry }[]> {
    const entries = await this.redis.xrange(this.keys.zoneForecasts(zone), '-', '+');
    return entries.flatMap(([id, fields]) => {
      const text = fields[fields.indexOf('forecast') + 1];
      const entry = text === undefined ? undefined : parseAuditEntry(text);
      return entry ? [{ id, entry }] : [];
    });
  }

  async putEvent(event: GridEvent): Promise<void> {
    await this.redis.hset(this.keys.gridEvents(), event.key, JSON.stringify(event));
  }

  async event(key: string): Promise<GridEvent | undefined> {
    const text = await this.redis.hget(this.keys.gridEvents(), key);
    return text === null ? undefined : (JSON.parse(text) as GridEvent);
  }

  /** True if there was such an event. */
  async deleteEvent(key: string): Promise<boolean> {
    return (await this.redis.hdel(this.keys.gridEvents(), key)) === 1;
  }

  async events(zone: string): Promise<GridEvent[]> {
    return (await this.redis.hvals(this.keys.gridEvents()))
      .map((text) => JSON.parse(text) as GridEvent)
      .filter((e) => e.zone === zone);
  }

  /** Drops a zone's hours that started before `beforeMs`; returns how many. */
  async pruneHours(zone: string, beforeMs: number): Promise<number> {
    const old = (await this.redis.hkeys(this.keys.zoneSignalsIssued(zone))).filter((hour) => Number(hour) < beforeMs);
    for (let i = 0; i < old.length; i += 1000) {
      const chunk = old.slice(i, i + 1000);
      await this.redis
        .multi()
        .hdel(this.keys.zoneSignals(zone), ...chunk)
        .hdel(this.keys.zoneSignalsIssued(zone), ...chunk)
        .exec();
    }
    return old.length;
  }

  /** Drops grid events whose every interval ended before `beforeMs`; returns how many. */
  async pruneEvents(beforeMs: number): Promise<number> {
    const events = await this.redis.hgetall(this.keys.gridEvents());
    const ended = Object.entries(events)
      .filter(([, text]) => (JSON.parse(text) as GridEvent).intervals.every((interval) => interval.endMs < beforeMs))
      .map(([key]) => key);
    if (ended.length > 0) await this.redis.hdel(this.keys.gridEvents(), ...ended);
    return ended.length;
  }

  async coverage(zone: string): Promise<ZoneCoverage> {
    const [latest, hourFields] = await Promise.all([
      this.redis.hget(this.keys.zoneMeta(zone), 'latestIssuedAt'),
      this.redis.hkeys(this.keys.zoneSignalsIssued(zone)),
    ]);
    const hours = hourFields.map(Number);
    return {
      latestIssuedAt: latest === null ? undefined : Number(latest),
      hours: hours.length,
      firstHour: hours.length ? hours.reduce((a, b) => Math.min(a, b)) : undefined,
      lastHour: hours.length ? hours.reduce((a, b) => Math.max(a, b)) : undefined,
    };
  }
}
