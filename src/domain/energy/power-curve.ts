/**
 * How a job bends under a GPU power cap: its throughput (share of full-power work rate) at a few
 * power fractions (share of its full power), interpolated linearly between them. Plain data, as a
 * job declares it: `{ minFraction: 0.5, throughput: [[1, 1], [0.7, 0.9], [0.5, 0.7]] }`.
 */
export interface PowerCurve {
  /** The lowest power fraction the job may be capped to, in (0, 1]. */
  minFraction: number;
  /** [power fraction, throughput fraction] points, from [1, 1] down to minFraction (highest first once admitted). */
  throughput: [number, number][];
}

/** At most this many points per curve: a handful describes any real GPU's curve. */
export const MAX_POWER_POINTS = 16;

/** Fractions this close are the same fraction (a plan's 0.7 against a stored 0.7000000001). */
export const FRACTION_EPSILON = 1e-6;

/**
 * What is wrong with a declared curve, in words naming the part at fault, or undefined when it is
 * sound: minFraction in (0, 1]; 1 to MAX_POWER_POINTS [fraction, throughput] pairs of finite
 * numbers; fractions distinct, within [minFraction, 1], including 1 (at throughput 1) and
 * minFraction; throughputs in (0, 1], never higher at a lower fraction.
 */
export function powerCurveProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return 'must be an object { minFraction, throughput: [[fraction, throughput], …] }';
  const extra = Object.keys(value).find((key) => key !== 'minFraction' && key !== 'throughput');
  if (extra !== undefined) return `has an unknown field "${extra.slice(0, 64)}" (only minFraction and throughput)`;
  const { minFraction, throughput } = value as Record<string, unknown>;
  if (typeof minFraction !== 'number' || !Number.isFinite(minFraction) || minFraction <= 0 || minFraction > 1)
    return 'minFraction must be a number in (0, 1]';
  if (!Array.isArray(throughput) || throughput.length === 0 || throughput.length > MAX_POWER_POINTS)
    return `throughput must be an array of 1 to ${MAX_POWER_POINTS} [fraction, throughput] points`;
  for (const [i, point] of throughput.entries()) {
    if (!Array.isArray(point) || point.length !== 2 || !point.every((n) => typeof n === 'number' && Number.isFinite(n)))
      return `throughput[${i}] must be a [fraction, throughput] pair of numbers`;
    const [fraction, rate] = point as [number, number];
    if (fraction < minFraction - FRACTION_EPSILON || fraction > 1)
      return `throughput[${i}]: power fraction ${fraction} is outside [minFraction ${minFraction}, 1]`;
    if (rate <= 0 || rate > 1) return `throughput[${i}]: throughput ${rate} must be in (0, 1]`;
  }
  const points = sortedPoints(throughput as [number, number][]);
  for (let i = 1; i < points.length; i++) {
    if (points[i][0] - points[i - 1][0] < FRACTION_EPSILON)
      return `throughput: power fraction ${points[i][0]} is given twice`;
    if (points[i][1] < points[i - 1][1])
      return (
        `throughput must not rise as power falls: ${points[i - 1][1]} at ${points[i - 1][0]} ` +
        `but ${points[i][1]} at ${points[i][0]}`
      );
  }
  const full = points.at(-1)!;
  if (full[0] !== 1 || full[1] !== 1) return 'throughput must include [1, 1] (full power, full throughput)';
  if (Math.abs(points[0][0] - minFraction) > FRACTION_EPSILON)
    return `throughput must include a point at minFraction ${minFraction}`;
  return undefined;
}

/** A sound curve as stored: its points highest fraction first. */
export function normalisedCurve(curve: PowerCurve): PowerCurve {
  return {
    minFraction: curve.minFraction,
    throughput: sortedPoints(curve.throughput)
      .reverse()
      .map(([f, t]) => [f, t]),
  };
}

/** Points by rising fraction. */
function sortedPoints(points: readonly (readonly [number, number])[]): [number, number][] {
  return points.map(([f, t]): [number, number] => [f, t]).sort((a, b) => a[0] - b[0]);
}

/** A curve's points by rising fraction, sorted once per curve: the planner asks for throughputs millions of times. */
const risingPoints = new WeakMap<PowerCurve['throughput'], readonly (readonly [number, number])[]>();
function pointsOf(curve: PowerCurve): readonly (readonly [number, number])[] {
  let points = risingPoints.get(curve.throughput);
  if (!points) risingPoints.set(curve.throughput, (points = sortedPoints(curve.throughput)));
  return points;
}

/** A fraction the job may run at: within [minFraction, 1]; full power for a job that declares no curve. */
export function allowedFraction(curve: PowerCurve | undefined, fraction: number): number {
  if (!curve || !Number.isFinite(fraction)) return 1;
  return Math.min(1, Math.max(curve.minFraction, fraction));
}

/**
 * Throughput (share of the full-power work rate) at a power fraction, interpolated; the fraction is
 * first held within [minFraction, 1]. A job without a curve always runs at full rate.
 */
export function throughputAt(curve: PowerCurve | undefined, fraction: number): number {
  if (!curve) return 1;
  const f = allowedFraction(curve, fraction);
  const points = pointsOf(curve);
  if (f <= points[0][0]) return points[0][1];
  for (let i = 1; i < points.length; i++) {
    const [f1, t1] = points[i];
    if (f === f1) return t1;
    if (f < f1) {
      const [f0, t0] = points[i - 1];
      // Held within the segment's ends: rounding never lifts it past t1 (nor 1).
      return Math.min(t1, Math.max(t0, t0 + ((t1 - t0) * (f - f0)) / (f1 - f0)));
    }
  }
  return points.at(-1)![1];
}

/**
 * The lowest power fraction giving at least `throughput` (inverse of throughputAt): minFraction when
 * that already gives it, 1 for full throughput or more.
 */
export function fractionFor(curve: PowerCurve | undefined, throughput: number): number {
  if (!curve || throughput >= 1) return 1;
  const points = pointsOf(curve);
  if (throughput <= points[0][1]) return points[0][0];
  for (let i = 1; i < points.length; i++) {
    const [f1, t1] = points[i];
    if (throughput <= t1) {
      const [f0, t0] = points[i - 1];
      // t1 > t0 here: throughput lies above t0 (points[i - 1] did not reach it).
      let f = Math.min(f1, f0 + ((f1 - f0) * (throughput - t0)) / (t1 - t0));
      // Rounding may leave the interpolated fraction a hair short of the throughput: nudge it up.
      for (let nudge = 1e-15; f < f1 && throughputAt(curve, f) < throughput; nudge *= 10) f = Math.min(f1, f + nudge);
      return f;
    }
  }
  return 1;
}

/**
 * Energy per unit of work at a power fraction, relative to full power (1): fraction / throughput.
 * Work worth one full-power hour at 0.7 power and 0.9 throughput takes 1/0.9 h at 0.7 of the power:
 * 0.778 of the energy.
 */
export function energyPerWork(curve: PowerCurve | undefined, fraction: number): number {
  return allowedFraction(curve, fraction) / throughputAt(curve, fraction);
}

/**
 * Work done (in full-power hours) and energy used (in full-power hours, × the job's power for MWh)
 * running `hours` at a power fraction.
 */
export function runAt(
  curve: PowerCurve | undefined,
  fraction: number,
  hours: number,
): { work: number; energy: number } {
  return { work: hours * throughputAt(curve, fraction), energy: hours * allowedFraction(curve, fraction) };
}
