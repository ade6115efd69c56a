import { DateTime } from 'luxon';
import { HOUR_MS } from '../time/hours.js';
import { PEAK_CHANCE_THRESHOLD, wholeLocalDays, zonePeaks, zoneSiteSignals, ZoneSeries } from './site-signals.js';

/** A day of load in Europe/Berlin (UTC+1 in January): 30 GW at night, 42 GW by day, 50 GW at 18:00, 40 GW after. */
const localLoadGw = (localHour: number) => (localHour === 18 ? 50 : localHour >= 19 ? 40 : localHour >= 7 ? 42 : 30);
const DAY = DateTime.fromISO('2019-01-09T23:00:00Z', { zone: 'utc' }); // 00:00 in Berlin

function series(start: DateTime, hours: number, loadGw: (localHour: number) => number = localLoadGw): ZoneSeries {
  return {
    start,
    hours,
    values: Array.from({ length: hours }, (_, h) => {
      const hour = start.toMillis() + h * HOUR_MS;
      const local = DateTime.fromMillis(hour, { zone: 'Europe/Berlin' }).hour;
      return { hour, windMw: 0, solarMw: 0, loadMw: loadGw(local) * 1000 };
    }),
  };
}

describe('load-derived peaks', () => {
  const rules = { loadWithin: 0.1 };

  it("judges an hour against its whole local day's maximum, not the maximum of what is left of the day", () => {
    // From 20:00 local: the evening (40 GW) is far below the day's 50 GW, so no peak until tomorrow's 18:00.
    const from = DAY.plus({ hours: 20 });
    const range = wholeLocalDays(from, 24, 'Europe/Berlin');
    expect(range).toMatchObject({ start: DAY, hours: 48, offset: 20 });
    const days = series(range.start, range.hours);
    const peaks = zonePeaks(series(from, 24), 'Europe/Berlin', rules, days);
    const localPeakHours = [...peaks.keys()].filter((h) => peaks[h]).map((h) => (20 + h) % 24);
    expect(localPeakHours).toEqual([18]);
    // Judged by the rest of the day alone, 20:00–23:00 (40 GW, the rest's maximum) would all be peaks.
    const alone = zonePeaks(series(from, 24), 'Europe/Berlin', rules);
    expect([...alone.slice(0, 4)]).toEqual([1, 1, 1, 1]);
  });

  it('widens a range to whole local days, across a change of offset', () => {
    // 2019-03-31: Berlin moves from UTC+1 to UTC+2; the local day is 23 hours long.
    const from = DateTime.fromISO('2019-03-31T05:00:00Z', { zone: 'utc' });
    const range = wholeLocalDays(from, 3, 'Europe/Berlin');
    expect(range.start.toISO()).toBe('2019-03-30T23:00:00.000Z');
    expect(range).toMatchObject({ hours: 23, offset: 6 });
  });
});

describe('load-derived peaks under a load forecast error', () => {
  // 50 GW at 18:00; 46 GW at 12:00 (92%: a peak); 44 GW at 13:00 (88%: just below the line); 30 GW otherwise.
  const loadGw = (localHour: number) => ({ 18: 50, 12: 46, 13: 44 })[localHour] ?? 30;
  const site = { id: 'hub', gpus: 8, kwPerGpu: 0.7, pue: 1.2, supply: { renewableShare: 0, surplusShare: 0 } };
  const signalsAt = (loadError?: (lead: number) => number, rules: object = { loadWithin: 0.1 }) => {
    const from = DAY.plus({ hours: 6 }); // 06:00 local: the day's first six hours are past
    const range = wholeLocalDays(from, 24, 'Europe/Berlin');
    const zone = { timeZone: 'Europe/Berlin', peak: rules };
    const days = series(range.start, range.hours, loadGw);
    const result = zoneSiteSignals(series(from, 24, loadGw), zone, [site], [], days, loadError);
    const localHour = (h: number) => (6 + h) % 24;
    return { ...result.sites[0].signals, zonePeak: result.zonePeak, localHour };
  };
  const peakHours = (s: ReturnType<typeof signalsAt>) =>
    [...s.peak.keys()].filter((h) => s.peak[h]).map((h) => s.localHour(h));

  it("takes the forecast's peaks as they are when its error is not known", () => {
    const known = signalsAt();
    expect(peakHours(known)).toEqual([12, 18]);
    expect(known.peakChance).toBeUndefined();
  });

  it('also counts an hour the error could make a peak, and says how likely each is', () => {
    const uncertain = signalsAt(() => 0.04);
    expect(peakHours(uncertain)).toEqual([12, 13, 18]);
    expect([...uncertain.zonePeak]).toEqual([...uncertain.peak]);
    const chanceAt = (localHour: number) => uncertain.peakChance![(localHour + 24 - 6) % 24];
    expect(chanceAt(13)).toBeGreaterThanOrEqual(PEAK_CHANCE_THRESHOLD);
    expect(chanceAt(13)).toBeLessThan(chanceAt(12));
    expect(chanceAt(3)).toBe(0); // the next night, 30 GW
  });

  it('keeps local-time windows certain', () => {
    const both = signalsAt(() => 0.04, { loadWithin: 0.1, windows: [{ from: '08:00', to: '09:00' }] });
    expect(both.peakChance![2]).toBe(1); // 08:00 local
    expect(peakHours(both)).toEqual([8, 12, 13, 18]);
  });
});
