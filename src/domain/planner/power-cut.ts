/** A running job that may be capped: its full power and the lowest share of it it may run at. */
export interface CappableLoad {
  mw: number;
  minFraction: number;
}

/**
 * How `loads` share `roomMw` of power in one site-hour that cannot hold them all at full power: the
 * cut is shared as evenly as their minimums allow (one common fraction, raised to a job's
 * minFraction where that is higher: even caps keep the most work going on concave throughput
 * curves). While even the minimums do not fit, the job whose minimum takes the most power is
 * dropped (fraction 0: paused), so the fewest pause. A job that cannot be capped has minFraction 1.
 * Returns each load's fraction, in order; all 1 when the room holds everyone.
 */
export function sharePowerCut(roomMw: number, loads: readonly CappableLoad[]): number[] {
  const room = Math.max(0, roomMw);
  const fractions = loads.map(() => 1);
  if (loads.reduce((sum, l) => sum + l.mw, 0) <= room) return fractions;
  // Fewest pauses: while the minimums do not fit, the load whose minimum takes the most power pauses.
  const minimumMw = (k: number) => loads[k].minFraction * loads[k].mw;
  const byMinimum = loads.map((_, k) => k).sort((a, b) => minimumMw(b) - minimumMw(a) || b - a);
  while (byMinimum.length > 0 && byMinimum.reduce((sum, k) => sum + minimumMw(k), 0) > room)
    fractions[byMinimum.shift()!] = 0;
  const kept = byMinimum.sort((a, b) => loads[b].minFraction - loads[a].minFraction || b - a);
  // Highest minimum first: those whose minimum is above the common fraction run at their minimum.
  let fixedMw = 0;
  let freeMw = kept.reduce((sum, k) => sum + loads[k].mw, 0);
  let atMinimum = 0;
  let common = room / freeMw;
  while (atMinimum < kept.length && loads[kept[atMinimum]].minFraction > common) {
    const load = loads[kept[atMinimum++]];
    fixedMw += load.minFraction * load.mw;
    freeMw -= load.mw;
    // Everyone at their minimum (what is left may round a hair below the last one's).
    common = freeMw > 1e-12 ? (room - fixedMw) / freeMw : 0;
  }
  for (const k of kept) fractions[k] = Math.min(1, Math.max(loads[k].minFraction, common));
  return fractions;
}
