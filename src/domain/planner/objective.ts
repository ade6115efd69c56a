import type { Objective, PlanTotals } from './plan-types.js';

/**
 * What Westwind minimises, defined once for the planner, the LP bound, the exact MIP and the
 * reports: grid energy, each MWh weighted by its hour under the chosen objective (1 for green,
 * g CO2/kWh for carbon, the price per MWh for cost) and counted `peakWeight` times in peak hours;
 * plus PEAK_PENALTY for every hour a deferrable job holds in a peak, so that it runs there only
 * when no other hour meets its deadline.
 */
export const PEAK_PENALTY = 1e4;

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

/** A whole plan's cost, for choosing between plans: deadline misses first, then the objective with the peak rule priced in. */
export function planCost(totals: PlanTotals): number {
  return totals.deadlineMisses * 1e12 + totals.objective + PEAK_PENALTY * totals.deferrablePeakHours;
}
