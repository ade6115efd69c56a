import type { SiteHourSignals } from '../signals/site-signals.js';
import {
  closedSegmentEnergy,
  energyFigures,
  meterTotals,
  noEnergy,
  segmentEnergy,
  supplyFrom,
} from './energy-meter.js';

const H = 3_600_000;
const T0 = Date.parse('2026-03-01T00:00:00Z');

describe('segmentEnergy', () => {
  it('splits a segment at hour boundaries, in MWh', () => {
    // 2 MW from 00:30 to 02:15: 1 MWh, 2 MWh, 0.5 MWh.
    const byHour = segmentEnergy(T0 + H / 2, T0 + 2 * H + H / 4, 2);
    expect([...byHour]).toEqual([
      [T0, 1],
      [T0 + H, 2],
      [T0 + 2 * H, 0.5],
    ]);
  });

  it('gives nothing for an empty segment', () => {
    expect(segmentEnergy(T0, T0, 5).size).toBe(0);
  });
});

describe('closedSegmentEnergy', () => {
  it('meters only the segment that the change closed', () => {
    const before = [
      { site: 'a', start: '2026-03-01T00:00:00Z', end: '2026-03-01T01:00:00Z' },
      { site: 'b', start: '2026-03-01T02:00:00Z' },
    ];
    const after = [before[0], { ...before[1], end: '2026-03-01T03:00:00Z' }];
    const closed = closedSegmentEnergy(before, after, (site) => (site === 'b' ? 4 : 1));
    expect(closed).toEqual([{ site: 'b', mwh: new Map([[T0 + 2 * H, 4]]) }]);
    expect(closedSegmentEnergy(after, after, () => 1)).toEqual([]);
  });
});

describe('meterTotals', () => {
  it('uses green supply first, the rest is grid (peak grid in peak hours), and prices grid energy only', () => {
    const used = new Map([
      [T0, 3],
      [T0 + H, 2],
      [T0 + 2 * H, 1],
    ]);
    const supply = new Map([
      [T0, { greenMw: 5, peak: false, carbonGPerKwh: 400, pricePerMwh: 50 }],
      [T0 + H, { greenMw: 0.5, peak: true, carbonGPerKwh: 100, pricePerMwh: 80 }],
    ]);
    // Grid: 0 MWh at T0, 1.5 MWh at T0+1h (150 kg, 120), 1 MWh at T0+2h with no known carbon or price.
    expect(meterTotals(used, (h) => supply.get(h))).toEqual({
      energyMwh: 6,
      greenMwh: 3.5,
      gridMwh: 2.5,
      peakGridMwh: 1.5,
      carbonKg: 150,
      cost: 120,
    });
  });
});

describe('energyFigures', () => {
  it('rounds totals to the thousandth and gives the green share, null without energy', () => {
    const totals = {
      energyMwh: 2.00049,
      greenMwh: 0.5,
      gridMwh: 1.50049,
      peakGridMwh: 0,
      carbonKg: 600.1234,
      cost: 75.0005,
    };
    expect(energyFigures(totals)).toEqual({
      energyMwh: 2,
      greenMwh: 0.5,
      gridMwh: 1.5,
      peakGridMwh: 0,
      carbonKg: 600.123,
      cost: 75.001,
      greenShare: 0.5 / 2.00049,
    });
    expect(energyFigures(noEnergy()).greenShare).toBeNull();
  });
});

describe('supplyFrom', () => {
  const signals = {
    greenMw: Float64Array.from([3, 1]),
    peak: Uint8Array.from([0, 1]),
    carbonGPerKwh: [400, undefined],
    pricePerMwh: [80, 120],
  } as unknown as SiteHourSignals;
  const supplyAt = supplyFrom(new Map([['hub', signals]]), T0, 2);

  it("reads a site's hour of its signals as the meter takes it", () => {
    expect(supplyAt('hub', T0)).toEqual({ greenMw: 3, peak: false, carbonGPerKwh: 400, pricePerMwh: 80 });
    expect(supplyAt('hub', T0 + H)).toEqual({ greenMw: 1, peak: true, carbonGPerKwh: undefined, pricePerMwh: 120 });
  });

  it('knows nothing of other sites, nor of hours outside its span', () => {
    expect(supplyAt('elsewhere', T0)).toBeUndefined();
    expect(supplyAt('hub', T0 - H)).toBeUndefined();
    expect(supplyAt('hub', T0 + 2 * H)).toBeUndefined();
  });

  it('is what meterTotals reads: green first, the grid for the rest, peak grid apart', () => {
    const totals = meterTotals(
      new Map([
        [T0, 4],
        [T0 + H, 2],
      ]),
      (hour) => supplyAt('hub', hour),
    );
    expect(totals).toMatchObject({ energyMwh: 6, greenMwh: 4, gridMwh: 2, peakGridMwh: 1 });
  });
});
