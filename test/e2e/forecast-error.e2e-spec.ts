import { DateTime } from 'luxon';
import request from 'supertest';
import { readOpsdZones } from '../../src/datasets/opsd.js';
import {
  DEFAULT_FORECAST_ERROR,
  DEFAULT_LOAD_FORECAST_ERROR,
} from '../../src/domain/signals/measured-forecast-error.js';
import { virtualClock } from '../../src/domain/time/clock.js';
import { ALPHA, OPERATOR, useTestApp } from '../support/test-app.js';

// Zone `de` gets 72 hourly forecast revisions by CSV, each for the next 48 hours of 50Hertz's real
// wind, solar and load (bundled OPSD data, March 2019), off by a known error at each lead (load by a third of
// supply's): the figures
// GET /v1/zones and /metrics show must be those errors. The service clock stands still (virtual, no
// real time passes) at the end of the three days, so every revised hour has ended.
const START = DateTime.fromISO('2019-03-01T00:00:00Z', { zone: 'utc' });
const DAYS = 3;
const [series] = readOpsdZones(START, DAYS * 24 + 48);
let realMs = 0;
const clock = virtualClock(START.plus({ days: DAYS }), 1, () => realMs);
const errorAt = (lead: number) => (lead === 0 ? 0 : lead < 6 ? 0.03 : lead < 24 ? 0.09 : 0.15);

const ctx = useTestApp({
  clock,
  configure: (config) => {
    config.zones.find((z) => z.id === 'de')!.forecastError = { '72h+': 0.3 };
  },
});

function revisionCsv(issued: number): string {
  const rows = ['start,windMw,solarMw,loadMw'];
  for (let h = issued; h < issued + 48; h++) {
    const factor = 1 + (h % 2 === 0 ? 1 : -1) * errorAt(h - issued);
    const loadFactor = 1 + (h % 2 === 0 ? 1 : -1) * (errorAt(h - issued) / 3);
    const at = START.plus({ hours: h }).toISO();
    rows.push(`${at},${series.windMw[h] * factor},${series.solarMw[h] * factor},${series.loadMw[h] * loadFactor}`);
  }
  return rows.join('\n');
}

interface Bucket {
  lead: string;
  relativeError: number;
  source: string;
  measured: { relativeError: number | null; pairs: number; hours: number };
}
async function deForecastError(
  series: 'forecastError' | 'loadForecastError' = 'forecastError',
): Promise<{ revisions: number; buckets: Bucket[] }> {
  const zones = (await request(ctx.http).get('/v1/zones').set(ALPHA).expect(200)).body as ({
    id: string;
  } & Record<typeof series, { revisions: number; buckets: Bucket[] }>)[];
  return zones.find((z) => z.id === 'de')![series];
}

describe('forecast error by zone and lead time, measured from the stored revisions', () => {
  it('before any forecast: the configured figure where set, the default elsewhere', async () => {
    const error = await deForecastError();
    expect(error.revisions).toBe(0);
    expect(error.buckets.map((b) => [b.lead, b.relativeError, b.source])).toEqual([
      ['0-6h', DEFAULT_FORECAST_ERROR['0-6h'], 'default'],
      ['6-24h', DEFAULT_FORECAST_ERROR['6-24h'], 'default'],
      ['24-48h', DEFAULT_FORECAST_ERROR['24-48h'], 'default'],
      ['48-72h', DEFAULT_FORECAST_ERROR['48-72h'], 'default'],
      ['72h+', 0.3, 'configured'],
    ]);
  });

  it('after 72 hourly revisions: the error each lead was given, in GET /v1/zones and /metrics', async () => {
    for (let issued = 0; issued < DAYS * 24; issued++) {
      await request(ctx.http)
        .post('/v1/zones/de/forecasts.csv')
        .query({ issuedAt: START.plus({ hours: issued }).toISO() })
        .set(OPERATOR)
        .set('content-type', 'text/csv')
        .send(revisionCsv(issued))
        .expect(200);
    }
    const error = await deForecastError();
    expect(error.revisions).toBe(DAYS * 24);
    const [short, day, twoDays, threeDays, beyond] = error.buckets;
    expect(short).toMatchObject({ lead: '0-6h', source: 'measured', measured: { hours: 71 } });
    expect(short.relativeError).toBeCloseTo(0.03, 4);
    expect(day).toMatchObject({ source: 'measured' });
    expect(day.relativeError).toBeCloseTo(0.09, 4);
    expect(twoDays).toMatchObject({ source: 'measured', measured: { hours: 48 } });
    expect(twoDays.relativeError).toBeCloseTo(0.15, 4);
    expect(threeDays).toMatchObject({ source: 'default', measured: { relativeError: null, pairs: 0 } });
    expect(beyond).toMatchObject({ relativeError: 0.3, source: 'configured' });

    const text = (await request(ctx.http).get('/metrics').set(OPERATOR).expect(200)).text;
    const value = (name: string, labels: string) =>
      Number(
        text
          .split('\n')
          .find((l) => l.startsWith(`${name}{${labels}}`))
          ?.split(' ')
          .pop(),
      );
    expect(value('westwind_forecast_error_measured_ratio', 'zone="de",lead="6-24h"')).toBeCloseTo(0.09, 4);
    expect(value('westwind_forecast_error_ratio', 'zone="de",lead="24-48h",source="measured"')).toBeCloseTo(0.15, 4);
    expect(value('westwind_forecast_error_ratio', 'zone="de",lead="72h+",source="configured"')).toBe(0.3);
    expect(value('westwind_forecast_error_ratio', 'zone="west",lead="0-6h",source="default"')).toBe(0.05);
    expect(text).not.toContain('westwind_forecast_error_measured_ratio{zone="de",lead="48-72h"}');

    // Load, measured from the same revisions: a third of supply's error at each lead; the load default beyond.
    const load = await deForecastError('loadForecastError');
    expect(load.revisions).toBe(DAYS * 24);
    expect(load.buckets.map((b) => [b.lead, b.source])).toEqual([
      ['0-6h', 'measured'],
      ['6-24h', 'measured'],
      ['24-48h', 'measured'],
      ['48-72h', 'default'],
      ['72h+', 'default'],
    ]);
    [0.01, 0.03, 0.05].forEach((error, k) => expect(load.buckets[k].relativeError).toBeCloseTo(error, 4));
    expect(load.buckets[3].relativeError).toBe(DEFAULT_LOAD_FORECAST_ERROR['48-72h']);
    expect(value('westwind_load_forecast_error_measured_ratio', 'zone="de",lead="6-24h"')).toBeCloseTo(0.03, 4);
    expect(value('westwind_load_forecast_error_ratio', 'zone="de",lead="72h+",source="default"')).toBe(0.08);
  });

  it('is described in /docs: ZoneDto.forecastError and its buckets', async () => {
    const schemas = (await request(ctx.http).get('/docs/json').expect(200)).body.components.schemas;
    expect(schemas.ZoneDto.properties.forecastError.allOf ?? [schemas.ZoneDto.properties.forecastError]).toEqual(
      expect.arrayContaining([expect.objectContaining({ $ref: '#/components/schemas/ZoneForecastErrorDto' })]),
    );
    expect(schemas.ZoneForecastErrorDto.properties.buckets.items).toEqual({
      $ref: '#/components/schemas/ForecastErrorBucketDto',
    });
    const bucket = schemas.ForecastErrorBucketDto.properties;
    expect(bucket.source.enum).toEqual(['configured', 'measured', 'default']);
    expect(bucket.lead.enum).toEqual(['0-6h', '6-24h', '24-48h', '48-72h', '72h+']);
    expect(bucket.relativeError.description).toMatch(/P10\/P90/);
    expect(schemas.MeasuredForecastErrorDto.properties.relativeError.nullable).toBe(true);
  });

  it('an actual arriving after the hours replaces the last revision as what came', async () => {
    // Metered supply for the last 24 hours, uploaded after them: 20% above the revisions' lead-0 values.
    const rows = ['start,windMw,solarMw,loadMw'];
    for (let h = DAYS * 24 - 24; h < DAYS * 24; h++) {
      const at = START.plus({ hours: h }).toISO();
      rows.push(`${at},${series.windMw[h] * 1.2},${series.solarMw[h] * 1.2},${series.loadMw[h]}`);
    }
    realMs += 1000; // the upload is issued a second after the clock's start: after every hour it covers
    await request(ctx.http)
      .post('/v1/zones/de/forecasts.csv')
      .query({ issuedAt: START.plus({ days: DAYS, seconds: 1 }).toISO() })
      .set(OPERATOR)
      .set('content-type', 'text/csv')
      .send(rows.join('\n'))
      .expect(200);
    const [short] = (await deForecastError()).buckets;
    // Hours 48-71: the actual is what came, so their lead-0 revisions (24 more pairs) are 0.2 off and
    // the others |±0.03 − 0.2|; hours 1-47 as before.
    let [absError, outcome, pairs] = [0, 0, 0];
    for (let h = 1; h < DAYS * 24; h++) {
      const supply = series.windMw[h] + series.solarMw[h];
      const came = h >= 48 ? 1.2 : 1;
      for (let lead = h >= 48 ? 0 : 1; lead <= Math.min(h, 5); lead++) {
        absError += Math.abs(1 + (h % 2 === 0 ? 1 : -1) * errorAt(lead) - came) * supply;
        outcome += came * supply;
        pairs++;
      }
    }
    expect(short.measured).toMatchObject({ pairs, hours: 71 });
    expect(short.measured.pairs).toBe(345 + 24);
    expect(short.relativeError).toBeCloseTo(absError / outcome, 4);
    expect(short.relativeError).toBeGreaterThan(0.08);
  });
});
