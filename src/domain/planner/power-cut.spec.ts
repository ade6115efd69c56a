import fc from 'fast-check';
import { sharePowerCut } from './power-cut.js';
import { propertyParameters } from '../../../test/support/property-parameters.js';

describe('sharing a power cut between cappable jobs', () => {
  it('keeps everyone at full power when the room holds them', () => {
    expect(
      sharePowerCut(3, [
        { mw: 1, minFraction: 0.5 },
        { mw: 1, minFraction: 0.5 },
      ]),
    ).toEqual([1, 1]);
  });

  it('caps everyone to one common fraction: a 30% cut of four equal jobs runs all four at 70%', () => {
    const loads = Array.from({ length: 4 }, () => ({ mw: 1, minFraction: 0.5 }));
    expect(sharePowerCut(2.8, loads).map((f) => Math.round(f * 1000) / 1000)).toEqual([0.7, 0.7, 0.7, 0.7]);
  });

  it('runs a job at its minimum where that is above the common fraction, the others share the rest', () => {
    // 1.9 MW for 1 MW (min 0.9) and 10 MW (min 0.1): 0.9 and 0.1.
    const fractions = sharePowerCut(1.9, [
      { mw: 1, minFraction: 0.9 },
      { mw: 10, minFraction: 0.1 },
    ]);
    expect(fractions.map((f) => Math.round(f * 1000) / 1000)).toEqual([0.9, 0.1]);
  });

  it('pauses the job whose minimum takes the most power first, while even the minimums do not fit', () => {
    // 1.5 MW for 3 × 1 MW with minimums 0.4, 0.8, 0.5 (1.7 MW): 'stiff' (0.8) pauses, the others run at 0.75.
    const fractions = sharePowerCut(1.5, [
      { mw: 1, minFraction: 0.4 },
      { mw: 1, minFraction: 0.8 },
      { mw: 1, minFraction: 0.5 },
    ]);
    expect(fractions).toEqual([0.75, 0, 0.75]);
  });

  it('pauses a job that cannot be capped (minimum 1) before two that can, where that is enough', () => {
    // 2 MW for 1 MW (no curve) and 2 × 1.5 MW (min 0.6: 0.9 MW each): the minimums take 2.8 MW.
    const fractions = sharePowerCut(2, [
      { mw: 1, minFraction: 1 },
      { mw: 1.5, minFraction: 0.6 },
      { mw: 1.5, minFraction: 0.6 },
    ]);
    expect(fractions.map((f) => Math.round(f * 1000) / 1000)).toEqual([0, 0.667, 0.667]);
  });

  it('never exceeds the room, never runs a job below its minimum, pauses only when no common cap fits', () => {
    const load = fc.record({
      mw: fc.double({ min: 0.001, max: 10, noNaN: true }),
      minFraction: fc.double({ min: 0.05, max: 1, noNaN: true }),
    });
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 50, noNaN: true }),
        fc.array(load, { minLength: 1, maxLength: 12 }),
        (room, loads) => {
          const fractions = sharePowerCut(room, loads);
          const used = fractions.reduce((sum, f, k) => sum + f * loads[k].mw, 0);
          const total = loads.reduce((sum, l) => sum + l.mw, 0);
          expect(used).toBeLessThanOrEqual(Math.max(room, 0) + 1e-9);
          fractions.forEach((f, k) => expect(f === 0 || (f >= loads[k].minFraction - 1e-12 && f <= 1)).toBe(true));
          // Everyone at their minimum fits: no one is paused.
          if (loads.reduce((sum, l) => sum + l.minFraction * l.mw, 0) <= room && room < total)
            expect(fractions.every((f) => f > 0)).toBe(true);
        },
      ),
      propertyParameters(621),
    );
  });
});
