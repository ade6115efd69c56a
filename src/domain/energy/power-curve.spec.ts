import fc from 'fast-check';
import {
  energyPerWork,
  fractionFor,
  MAX_POWER_POINTS,
  normalisedCurve,
  type PowerCurve,
  powerCurveProblem,
  runAt,
  throughputAt,
} from './power-curve.js';
import { propertyParameters } from '../../../test/support/property-parameters.js';

const EXAMPLE: PowerCurve = {
  minFraction: 0.5,
  throughput: [
    [1, 1],
    [0.7, 0.9],
    [0.5, 0.7],
  ],
};

/** Sound curves: minFraction, a few fractions between it and 1, throughputs rising with them. */
const curves: fc.Arbitrary<PowerCurve> = fc
  .record({
    minFraction: fc.double({ min: 0.05, max: 1, noNaN: true }),
    inner: fc.array(fc.double({ min: 0.01, max: 0.99, noNaN: true }), { maxLength: 6 }),
    rates: fc.array(fc.double({ min: 0.01, max: 1, noNaN: true }), { minLength: 8, maxLength: 8 }),
  })
  .map(({ minFraction, inner, rates }) => {
    const fractions = [
      ...new Set([minFraction, ...inner.map((x) => minFraction + x * (1 - minFraction)), 1].map((f) => +f.toFixed(4))),
    ].sort((a, b) => a - b);
    const sortedRates = rates.slice(0, fractions.length).sort((a, b) => a - b);
    const points = fractions.map((f, i): [number, number] => [f, f === 1 ? 1 : sortedRates[i]]);
    return { minFraction: fractions[0], throughput: points };
  });

const fractions = fc.double({ min: 0, max: 1.2, noNaN: true });

describe('power curve', () => {
  it('interpolates the declared points linearly and holds fractions within [minFraction, 1]', () => {
    expect(throughputAt(EXAMPLE, 1)).toBe(1);
    expect(throughputAt(EXAMPLE, 0.7)).toBeCloseTo(0.9, 12);
    expect(throughputAt(EXAMPLE, 0.85)).toBeCloseTo(0.95, 12);
    expect(throughputAt(EXAMPLE, 0.6)).toBeCloseTo(0.8, 12);
    expect(throughputAt(EXAMPLE, 0.3)).toBeCloseTo(0.7, 12);
    expect(throughputAt(undefined, 0.3)).toBe(1);
    expect(fractionFor(EXAMPLE, 0.9)).toBeCloseTo(0.7, 12);
    expect(fractionFor(EXAMPLE, 0.8)).toBeCloseTo(0.6, 12);
    expect(fractionFor(EXAMPLE, 0.2)).toBe(0.5);
    expect(fractionFor(EXAMPLE, 1)).toBe(1);
    expect(energyPerWork(EXAMPLE, 0.7)).toBeCloseTo(0.7 / 0.9, 12);
    expect(runAt(EXAMPLE, 0.7, 3)).toEqual({
      work: expect.closeTo(2.7, 12) as number,
      energy: expect.closeTo(2.1, 12),
    });
  });

  it('refuses unsound curves, naming what is wrong', () => {
    const problem = (curve: unknown) => powerCurveProblem(curve);
    expect(problem(EXAMPLE)).toBeUndefined();
    expect(problem({ minFraction: 1, throughput: [[1, 1]] })).toBeUndefined();
    expect(problem([])).toMatch(/must be an object/);
    expect(problem({ ...EXAMPLE, extra: 1 })).toMatch(/unknown field "extra"/);
    expect(problem({ ...EXAMPLE, minFraction: 0 })).toMatch(/minFraction must be a number in \(0, 1\]/);
    expect(problem({ ...EXAMPLE, minFraction: 1.5 })).toMatch(/minFraction/);
    expect(problem({ ...EXAMPLE, minFraction: '0.5' })).toMatch(/minFraction/);
    expect(problem({ minFraction: 0.5, throughput: [] })).toMatch(/1 to 16/);
    const many = Array.from({ length: MAX_POWER_POINTS + 1 }, (_, i): [number, number] => [1 - i / 40, 1 - i / 40]);
    expect(problem({ minFraction: 0.5, throughput: many })).toMatch(/1 to 16/);
    expect(problem({ minFraction: 0.5, throughput: [[1, 1], [0.5]] })).toMatch(/throughput\[1\] must be a \[fraction/);
    expect(
      problem({
        minFraction: 0.5,
        throughput: [
          [1, 1],
          [0.4, 0.6],
          [0.5, 0.7],
        ],
      }),
    ).toMatch(/throughput\[1\]: power fraction 0.4 is outside \[minFraction 0.5, 1\]/);
    expect(
      problem({
        minFraction: 0.5,
        throughput: [
          [1.1, 1],
          [0.5, 0.7],
        ],
      }),
    ).toMatch(/outside/);
    expect(
      problem({
        minFraction: 0.5,
        throughput: [
          [1, 1],
          [0.5, 0],
        ],
      }),
    ).toMatch(/throughput 0 must be in \(0, 1\]/);
    expect(
      problem({
        minFraction: 0.5,
        throughput: [
          [1, 1],
          [0.7, 0.6],
          [0.5, 0.7],
        ],
      }),
    ).toMatch(/must not rise as power falls: 0.6 at 0.7 but 0.7 at 0.5|must not rise as power falls: 0.7 at 0.5/);
    expect(
      problem({
        minFraction: 0.5,
        throughput: [
          [1, 1],
          [0.5, 0.7],
          [0.5, 0.8],
        ],
      }),
    ).toMatch(/given twice/);
    expect(
      problem({
        minFraction: 0.5,
        throughput: [
          [0.9, 0.95],
          [0.5, 0.7],
        ],
      }),
    ).toMatch(/must include \[1, 1\]/);
    expect(
      problem({
        minFraction: 0.5,
        throughput: [
          [1, 0.9],
          [0.5, 0.7],
        ],
      }),
    ).toMatch(/must include \[1, 1\]/);
    expect(
      problem({
        minFraction: 0.5,
        throughput: [
          [1, 1],
          [0.7, 0.9],
        ],
      }),
    ).toMatch(/a point at minFraction 0.5/);
  });

  it('stores the points highest fraction first', () => {
    expect(
      normalisedCurve({
        minFraction: 0.5,
        throughput: [
          [0.5, 0.7],
          [1, 1],
          [0.7, 0.9],
        ],
      }),
    ).toEqual(EXAMPLE);
  });

  it('every generated curve is sound (the generator is what the properties below are about)', () => {
    fc.assert(
      fc.property(curves, (curve) => powerCurveProblem(curve) === undefined),
      propertyParameters(601),
    );
  });

  it('throughput never falls as power rises, and lies in (0, 1]', () => {
    fc.assert(
      fc.property(curves, fractions, fractions, (curve, a, b) => {
        const [low, high] = a <= b ? [a, b] : [b, a];
        const tLow = throughputAt(curve, low);
        return tLow <= throughputAt(curve, high) + 1e-12 && tLow > 0 && throughputAt(curve, high) <= 1;
      }),
      propertyParameters(602),
    );
  });

  it('never asks for less than minFraction, nor more than 1, and the fraction it asks for gives the throughput', () => {
    fc.assert(
      fc.property(curves, fc.double({ min: -0.5, max: 1.5, noNaN: true }), (curve, wanted) => {
        const f = fractionFor(curve, wanted);
        if (f < curve.minFraction - 1e-12 || f > 1) return false;
        // Enough throughput, and no lower fraction would do (unless at minFraction already).
        const enough = throughputAt(curve, f) >= Math.min(wanted, 1) - 1e-9;
        const lowest = f <= curve.minFraction + 1e-12 || throughputAt(curve, f - 1e-6) < wanted + 1e-9;
        return enough && lowest;
      }),
      propertyParameters(603),
    );
  });

  it('energy adds up: work split over fractions costs the sum of its parts, fraction × hours each', () => {
    fc.assert(
      fc.property(
        curves,
        fc.array(fc.record({ fraction: fractions, hours: fc.double({ min: 0, max: 10, noNaN: true }) }), {
          maxLength: 8,
        }),
        (curve, pieces) => {
          const runs = pieces.map((p) => runAt(curve, p.fraction, p.hours));
          const work = runs.reduce((s, r) => s + r.work, 0);
          const energy = runs.reduce((s, r) => s + r.energy, 0);
          const perWork = pieces.reduce((s, p, i) => s + runs[i].work * energyPerWork(curve, p.fraction), 0);
          const hours = pieces.reduce((s, p) => s + p.hours, 0);
          // Never more energy than at full power for the same hours, never less than minFraction of it.
          return (
            Math.abs(energy - perWork) <= 1e-9 * (1 + energy) &&
            energy <= hours + 1e-9 &&
            energy >= curve.minFraction * hours - 1e-9 &&
            work <= hours + 1e-9
          );
        },
      ),
      propertyParameters(604),
    );
  });
});
