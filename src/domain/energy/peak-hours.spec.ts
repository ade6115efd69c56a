import { DateTime } from 'luxon';
import { peakChanceFromLoad, peakDrawsFromLoad, peakFromLoad, peakFromWindows } from './peak-hours.js';

/** Local hours (in zone) of the flagged UTC hours. */
function flaggedLocalHours(start: DateTime, flags: Uint8Array, zone: string): string[] {
  return [...flags].flatMap((f, h) => (f ? [start.plus({ hours: h }).setZone(zone).toFormat('MM-dd HH:mm')] : []));
}

describe('peak hours', () => {
  it('covers the same wall-clock hours on the 23-hour spring-forward day in Europe/Berlin', () => {
    const start = DateTime.fromISO('2026-03-28T00:00', { zone: 'Europe/Berlin' }).toUTC();
    const flags = peakFromWindows(start, 71, 'Europe/Berlin', [{ from: '17:00', to: '20:00' }]); // 24 + 23 + 24 hours
    expect(flaggedLocalHours(start, flags, 'Europe/Berlin')).toEqual([
      '03-28 17:00',
      '03-28 18:00',
      '03-28 19:00',
      '03-29 17:00',
      '03-29 18:00',
      '03-29 19:00',
      '03-30 17:00',
      '03-30 18:00',
      '03-30 19:00',
    ]);
  });

  it('and on the 25-hour fall-back day', () => {
    const start = DateTime.fromISO('2026-10-25T00:00', { zone: 'Europe/Berlin' }).toUTC();
    const flags = peakFromWindows(start, 25, 'Europe/Berlin', [{ from: '01:00', to: '04:00' }]);
    // 02:00 happens twice: both count; 4 flagged UTC hours for 3 wall-clock hours.
    expect(flaggedLocalHours(start, flags, 'Europe/Berlin')).toEqual([
      '10-25 01:00',
      '10-25 02:00',
      '10-25 02:00',
      '10-25 03:00',
    ]);
  });

  it('works in a zone without DST (Asia/Shanghai), with windows over midnight and weekdays only', () => {
    const start = DateTime.fromISO('2026-03-06T00:00', { zone: 'Asia/Shanghai' }).toUTC(); // a Friday
    const flags = peakFromWindows(start, 48, 'Asia/Shanghai', [{ from: '23:00', to: '01:00', days: 'weekdays' }]);
    expect(flaggedLocalHours(start, flags, 'Asia/Shanghai')).toEqual(['03-06 00:00', '03-06 23:00']);
  });

  it('derives peaks from load: hours within 10% of the local day maximum', () => {
    const start = DateTime.fromISO('2026-01-05T00:00', { zone: 'Asia/Shanghai' }).toUTC();
    const load = Array.from(
      { length: 48 },
      (_, h) => (h % 24 === 19 ? 100 : h % 24 === 18 ? 91 : 50) * (h < 24 ? 1 : 2),
    );
    expect(flaggedLocalHours(start, peakFromLoad(start, load, 'Asia/Shanghai', 0.1), 'Asia/Shanghai')).toEqual([
      '01-05 18:00',
      '01-05 19:00',
      '01-06 18:00',
      '01-06 19:00',
    ]);
  });

  describe('the chance an hour turns out a load-derived peak', () => {
    const start = DateTime.fromISO('2026-01-05T00:00', { zone: 'Asia/Shanghai' }).toUTC();
    // 19:00 the day's maximum (100), 18:00 within 10% of it (91), 17:00 just outside (88), the rest far below (50).
    const load = Array.from({ length: 24 }, (_, h) => ({ 19: 100, 18: 91, 17: 88 })[h] ?? 50);
    const chance = (sigma: number) =>
      peakChanceFromLoad(start, load, new Float64Array(24).fill(sigma), 'Asia/Shanghai', 0.1);

    it("is the forecast's verdict where the load is known", () => {
      expect([...chance(0)]).toEqual([...peakFromLoad(start, load, 'Asia/Shanghai', 0.1)]);
    });

    it('grows with the forecast error for an hour near the line, and stays 0 far below it', () => {
      const small = chance(0.01);
      const large = chance(0.05);
      expect(small[17]).toBeLessThan(large[17]);
      expect(large[17]).toBeGreaterThan(0.1);
      expect(small[18]).toBeGreaterThan(large[18]); // 91 may fall out of the band as errors grow
      expect(large[18]).toBeLessThan(1);
      expect(large[19]).toBeGreaterThan(0.9);
      expect(Math.max(...large.filter((_, h) => h < 17 || h > 19))).toBe(0);
    });

    it('is the same for the same forecast (plans stay reproducible)', () => {
      expect([...chance(0.05)]).toEqual([...chance(0.05)]);
    });

    it('comes with its draws: each chance is the share of draws with the hour a peak; the same each time', () => {
      const drawn = () => peakDrawsFromLoad(start, load, new Float64Array(24).fill(0.05), 'Asia/Shanghai', 0.1);
      const { chance: shares, draws } = drawn();
      expect([...shares]).toEqual([...chance(0.05)]);
      expect(draws).toHaveLength(200);
      for (let h = 0; h < 24; h++) expect(shares[h]).toBe(draws.filter((d) => d[h] === 1).length / draws.length);
      expect(drawn().draws.map((d) => [...d])).toEqual(draws.map((d) => [...d]));
      // A day whose load is known: its flags in every draw.
      const known = peakDrawsFromLoad(start, load, new Float64Array(24), 'Asia/Shanghai', 0.1);
      for (const d of known.draws) expect([...d]).toEqual([...peakFromLoad(start, load, 'Asia/Shanghai', 0.1)]);
    });
  });

  it('refuses a malformed window', () => {
    expect(() => peakFromWindows(DateTime.utc(), 1, 'UTC', [{ from: '7pm', to: '22:00' }])).toThrow(
      '"7pm" is not a time of day',
    );
  });
});
