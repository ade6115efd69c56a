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
