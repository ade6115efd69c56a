import { FRACTION_EPSILON, PowerCurve } from '../energy/power-curve.js';
import type { Objective, PlanTotals } from './plan-types.js';

/**
 * What Westwind minimises, defined once for the planner, the LP bound, the exact MIP and the
 * reports: grid energy, each MWh weighted by its hour under the chosen objective (1 for green,
 * g CO2/kWh for carbon, the price per MWh for cost) and counted `peakWeight` times in peak hours;
 * plus PEAK_PENALTY for every MWh a deferrable job holds in a peak hour (its full power for the
 * hour, green or not), so that it runs there only when no other hour meets its deadline. Per MWh,
 * not per job-hour: a 32-GPU job in a peak weighs on the grid 32 times a 1-GPU job's.
 */
export const PEAK_PENALTY = 1e7;

/**
 * The power the peak rule counts for a deferrable job running a peak hour at `fraction` of its full power `mw`: what
 * it draws, except that a job throttled to its curve's minimum counts as paused (#20: cap instead of pausing) — it
 * has shed all it can without a checkpoint. The placement itself prices a capped hour at its capped power, the
 * minimum too (keeping such jobs out of peaks like any other); only running on instead of pausing takes the minimum
 * as shed (`throttleInsteadOfPausing`, plan-power-caps.ts), and plans and the LP bound count it so.
 */
export function peakHeldMw(mw: number, fraction: number, curve: PowerCurve | undefined): number {
  return curve && throttles(curve) && fraction <= curve.minFraction + FRACTION_EPSILON ? 0 : mw * fraction;
}

/** Whether the curve lets its job run below full power at all (a minimum of 1 does not). */
export function throttles(curve: PowerCurve): boolean {
  return curve.minFraction < 1 - FRACTION_EPSILON;
}

/** The peak rule's price of holding `mw` through one peak hour. */
export function peakPenalty(mw: number): number {
  return PEAK_PENALTY * mw;
}

/** The weight of one MWh drawn from the grid in an hour. */
export function gridWeight(
  objective: Objective,
  peakWeight: number,
  peak: boolean,
  carbonGPerKwh: number,
  pricePerMwh: number,
): number {
  const base = objective === 'carbon' ? carbonGPerKwh : objective === 'cost' ? pricePerMwh : 1;
  return base * (peak ? peakWeight : 1);
}

/**
 * A whole plan's cost, for choosing between plans: deadline misses first, then the objective with the peak rule priced
 * in.
 */
export function planCost(totals: PlanTotals): number {
  return totals.deadlineMisses * 1e12 + totals.objective + peakPenalty(totals.deferrablePeakMwh);
}
