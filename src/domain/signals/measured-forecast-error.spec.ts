import { DateTime } from 'luxon';
import { readOpsdZones } from '../../datasets/opsd.js';
import { HOUR_MS } from '../time/hours.js';
import {
  DEFAULT_FORECAST_ERROR,
  DEFAULT_LOAD_FORECAST_ERROR,
  LEAD_BUCKETS,
  loadErrorByLead,
  measureForecastError,
  MIN_MEASURED_HOURS,
  relativeErrorAt,
  resolveForecastError,
  type SeriesRevision,
  sigmaForMape,
} from './measured-forecast-error.js';

// Real green supply (wind + solar) of 50Hertz, the first four days of March 2019 (bundled OPSD data).
const START = DateTime.fromISO('2019-03-01T00:00:00Z', { zone: 'utc' });
const HOURS = 96;
const [series] = readOpsdZones(START, HOURS);
const actual = Array.from({ length: HOURS }, (_, h) => series.windMw[h] + series.solarMw[h]);
const actualLoad = Array.from(series.loadMw);
const hourMs = (h: number) => START.toMillis() + h * HOUR_MS;

/**
 * A revision issued every hour for the next 48 hours, each hour off by `errorAt(lead)` of the
 * actual, alternating in sign from hour to hour (so the relative error is exactly that figure).
 */
function hourlyRevisions(errorAt: (lead: number) => number, issueEvery = 1, values = actual): SeriesRevision[] {
  const revisions: SeriesRevision[] = [];
  for (let t = 0; t < HOURS; t += issueEvery) {
    const hours = new Map<number, number>();
    for (let h = t; h < Math.min(HOURS, t + 48); h++) {
      const sign = h % 2 === 0 ? 1 : -1;
      hours.set(hourMs(h), values[h] * (1 + sign * errorAt(h - t)));
    }
    revisions.push({ issuedAt: hourMs(t), hours });
  }
  return revisions;
}

const byBucket = (buckets: ReturnType<typeof measureForecastError>) =>
  Object.fromEntries(buckets.map((b) => [b.bucket, b]));

describe('measureForecastError: green supply, earlier revisions against what came', () => {
  const leadError = (lead: number) => (lead === 0 ? 0 : lead < 6 ? 0.02 : lead < 24 ? 0.08 : 0.2);
  const now = hourMs(HOURS);

  it('finds the error each lead bucket was given', () => {
    const measured = byBucket(measureForecastError(hourlyRevisions(leadError), now));
    expect(measured['0-6h'].relativeError).toBeCloseTo(0.02, 10);
    expect(measured['6-24h'].relativeError).toBeCloseTo(0.08, 10);
    expect(measured['24-48h'].relativeError).toBeCloseTo(0.2, 10);
    expect(measured['48-72h']).toMatchObject({ relativeError: null, pairs: 0, hours: 0 });
    // Every hour is its own outcome at lead 0; an hour h has min(h, 5) revisions at leads 1-5.
    expect(measured['0-6h'].hours).toBe(HOURS - 1);
    expect(measured['6-24h'].pairs).toBe(Array.from({ length: HOURS }, (_, h) => clamp(h - 5, 0, 18)).reduce(sum));
  });

  it('does not count hours that have not ended yet', () => {
    const measured = byBucket(measureForecastError(hourlyRevisions(leadError), hourMs(30) + 1));
    expect(measured['0-6h'].hours).toBe(29);
    expect(measured['24-48h'].hours).toBe(6); // hours 24-29
  });

  it('with one forecast a day, measures only the hours whose last revision came at most 6 h before them', () => {
    // Issued at 00:00 for 48 hours: hours 07:00-23:00 were last forecast 7-23 h ahead, too early to count as
    // what came; hours 00:00-06:00 of days 2-4 compare the day before's forecast (24-30 h ahead) with it.
    const measured = byBucket(measureForecastError(hourlyRevisions(leadError, 24), now));
    expect(measured['0-6h'].pairs).toBe(0);
    expect(measured['6-24h'].pairs).toBe(0);
    expect(measured['24-48h']).toMatchObject({ pairs: 21, hours: 21 });
  });

  it('takes an actual issued after the hour as the outcome, and ignores revisions issued during the hour', () => {
    const h = 10;
    const forecast: SeriesRevision = { issuedAt: hourMs(h - 12), hours: new Map([[hourMs(h), 150]]) };
    const during: SeriesRevision = { issuedAt: hourMs(h) + 60_000, hours: new Map([[hourMs(h), 90]]) };
    const metered: SeriesRevision = { issuedAt: hourMs(h + 3), hours: new Map([[hourMs(h), 100]]) };
    const measured = byBucket(measureForecastError([metered, forecast, during], now));
    expect(measured['6-24h']).toEqual({ bucket: '6-24h', relativeError: 0.5, pairs: 1, hours: 1 });
    expect(measured['0-6h'].pairs).toBe(0);
  });

  it('weighs errors by the outcome, so hours of almost no supply do not swamp it', () => {
    const issued = hourMs(0);
    const forecast: SeriesRevision = {
      issuedAt: issued,
      hours: new Map([
        [hourMs(10), 1], // 0.01 MW came: a 9,900% error of that hour alone
        [hourMs(11), 900],
      ]),
    };
    const outcome: SeriesRevision = {
      issuedAt: hourMs(10),
      hours: new Map([
        [hourMs(10), 0.01],
        [hourMs(11), 1000],
      ]),
    };
    const [bucket] = measureForecastError([forecast, outcome], now).filter((b) => b.bucket === '6-24h');
    expect(bucket.relativeError).toBeCloseTo((0.99 + 100) / 1000.01, 10);
  });
});

describe('measureForecastError: load, the same measure on the load series', () => {
  it("finds the error each lead bucket of 50Hertz's real load was given", () => {
    const leadError = (lead: number) => (lead === 0 ? 0 : lead < 6 ? 0.01 : lead < 24 ? 0.025 : 0.04);
    const measured = byBucket(measureForecastError(hourlyRevisions(leadError, 1, actualLoad), hourMs(HOURS)));
    expect(measured['0-6h'].relativeError).toBeCloseTo(0.01, 10);
    expect(measured['6-24h'].relativeError).toBeCloseTo(0.025, 10);
    expect(measured['24-48h'].relativeError).toBeCloseTo(0.04, 10);
    expect(measured['48-72h'].relativeError).toBeNull();
  });
});

describe('resolveForecastError: configured, else measured, else the default', () => {
  const measured = measureForecastError(
    hourlyRevisions((lead) => (lead === 0 ? 0 : lead < 6 ? 0.03 : 0.09)),
    hourMs(HOURS),
  );

  it('uses what was measured where it rests on enough hours, the default elsewhere', () => {
    const resolved = resolveForecastError(undefined, measured);
    expect(resolved.map((b) => [b.id, b.source])).toEqual([
      ['0-6h', 'measured'],
      ['6-24h', 'measured'],
      ['24-48h', 'measured'],
      ['48-72h', 'default'],
      ['72h+', 'default'],
    ]);
    expect(resolved[0].relativeError).toBeCloseTo(0.03, 10);
    expect(resolved[2].relativeError).toBeCloseTo(0.09, 10);
    expect(resolved[3].relativeError).toBe(DEFAULT_FORECAST_ERROR['48-72h']);
    expect(relativeErrorAt(resolved, 3)).toBeCloseTo(0.03, 10);
    expect(relativeErrorAt(resolved, 30)).toBeCloseTo(0.09, 10);
    expect(relativeErrorAt(resolved, 100)).toBe(DEFAULT_FORECAST_ERROR['72h+']);
  });

  it('prefers the configured figure of a bucket and keeps the measured one beside it', () => {
    const resolved = resolveForecastError({ '6-24h': 0.12, '72h+': 0.3 }, measured);
    expect(resolved[1]).toMatchObject({ id: '6-24h', relativeError: 0.12, source: 'configured' });
    expect(resolved[1].measured.relativeError).toBeCloseTo(0.09, 10);
    expect(resolved[4]).toMatchObject({ relativeError: 0.3, source: 'configured' });
    expect(resolved[0].source).toBe('measured');
  });

  it(`falls back to the default where fewer than ${MIN_MEASURED_HOURS} hours were measured`, () => {
    const few = measureForecastError(
      hourlyRevisions((lead) => (lead === 0 ? 0 : 0.05)),
      hourMs(MIN_MEASURED_HOURS),
    );
    const resolved = resolveForecastError(undefined, few);
    expect(few[0].hours).toBe(MIN_MEASURED_HOURS - 1);
    expect(resolved[0]).toMatchObject({ source: 'default', relativeError: DEFAULT_FORECAST_ERROR['0-6h'] });
    expect(resolved.every((b) => b.source === 'default')).toBe(true);
    expect(resolved.map((b) => b.id)).toEqual(LEAD_BUCKETS.map((b) => b.id));
  });
});

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}
function sum(a: number, b: number): number {
  return a + b;
}

describe('the load forecast error: configured, else measured, else the load default; σ by lead', () => {
  const measured = measureForecastError(
    hourlyRevisions((lead) => (lead === 0 ? 0 : lead < 6 ? 0.01 : 0.02), 1, actualLoad),
    hourMs(HOURS),
  );

  it("resolves load against its own default: 3% a day ahead, √(lead / 24) at each bucket's upper end", () => {
    const resolved = resolveForecastError({ '72h+': 0.06 }, measured, DEFAULT_LOAD_FORECAST_ERROR);
    expect(resolved.map((b) => [b.id, b.source])).toEqual([
      ['0-6h', 'measured'],
      ['6-24h', 'measured'],
      ['24-48h', 'measured'],
      ['48-72h', 'default'],
      ['72h+', 'configured'],
    ]);
    expect(resolved[0].relativeError).toBeCloseTo(0.01, 10);
    expect(resolved[3].relativeError).toBe(0.05);
    expect(resolved[4].relativeError).toBe(0.06);
    const upperEnds = [6, 24, 48, 72, 168];
    LEAD_BUCKETS.forEach((b, k) =>
      expect(DEFAULT_LOAD_FORECAST_ERROR[b.id]).toBeCloseTo(0.03 * Math.sqrt(upperEnds[k] / 24), 2),
    );
    expect(resolveForecastError(undefined, [], DEFAULT_LOAD_FORECAST_ERROR).map((b) => b.relativeError)).toEqual([
      0.015, 0.03, 0.04, 0.05, 0.08,
    ]);
  });

  it('never takes a default above a figure known for a longer lead (forecasts do not worsen as the hour nears)', () => {
    // The demo's replayed forecasts: 0% measured at 6-24 h and 24-48 h, nothing to measure at 0-6 h.
    const perfect = measureForecastError(
      hourlyRevisions(() => 0, 6, actualLoad),
      hourMs(HOURS),
    );
    const resolved = resolveForecastError(undefined, perfect, DEFAULT_LOAD_FORECAST_ERROR);
    expect(resolved.map((b) => [b.id, b.relativeError, b.source])).toEqual([
      ['0-6h', 0, 'default'],
      ['6-24h', 0, 'measured'],
      ['24-48h', 0, 'measured'],
      ['48-72h', 0.05, 'default'],
      ['72h+', 0.08, 'default'],
    ]);
    const configured = resolveForecastError({ '24-48h': 0.02 }, [], DEFAULT_LOAD_FORECAST_ERROR);
    expect(configured.map((b) => b.relativeError)).toEqual([0.015, 0.02, 0.02, 0.05, 0.08]);
  });

  it('turns the mean absolute error into σ (× √(π/2)), bucketed by the lead from the held forecast', () => {
    const resolved = resolveForecastError(undefined, [], DEFAULT_LOAD_FORECAST_ERROR);
    const now = hourMs(10) + 20 * 60_000; // 20 minutes into hour 10
    // Every hour held from a forecast issued at now.
    const fresh = loadErrorByLead(resolved, hourMs(10), now, () => now);
    expect(fresh(1)).toBeCloseTo(0.015 * Math.sqrt(Math.PI / 2), 12); // the current hour
    expect(fresh(6)).toBeCloseTo(sigmaForMape(0.015), 12); // hour 15: 4h40 ahead
    expect(fresh(7)).toBeCloseTo(sigmaForMape(0.015), 12); // hour 16: 5h40 ahead
    expect(fresh(8)).toBeCloseTo(sigmaForMape(0.03), 12); // hour 17: 6h40 ahead
    expect(fresh(26)).toBeCloseTo(sigmaForMape(0.04), 12); // hour 35: 24h40 ahead
    // A series that starts 3 hours back: its first hours have ended and are known.
    const back = loadErrorByLead(resolved, hourMs(7), now, () => now);
    expect([1, 2, 3].map(back)).toEqual([0, 0, 0]);
    expect(back(4)).toBe(fresh(1));
    // The hours held from a day-ahead forecast issued 20 hours ago carry a day-ahead error.
    const dayAhead = loadErrorByLead(resolved, hourMs(10), now, (hour) => (hour < hourMs(12) ? hourMs(-10) : now));
    expect(dayAhead(1)).toBeCloseTo(sigmaForMape(0.03), 12);
    expect(dayAhead(3)).toBeCloseTo(sigmaForMape(0.015), 12);
  });
});
