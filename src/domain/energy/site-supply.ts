/** A zone's hourly forecast, MW. */
export interface ZoneHours {
  windMw: ArrayLike<number>;
  solarMw: ArrayLike<number>;
  hydroMw?: ArrayLike<number>;
  loadMw: ArrayLike<number>;
}

/**
 * How much of its zone's renewable output a site may count as its own: a contracted share of the
 * output (a PPA) plus a share of the zone's surplus (renewable beyond load, otherwise curtailed).
 */
export interface SupplyContract {
  renewableShare: number;
  surplusShare: number;
}

export function renewableMw(zone: ZoneHours, h: number): number {
  return zone.windMw[h] + zone.solarMw[h] + (zone.hydroMw?.[h] ?? 0);
}

export function surplusMw(zone: ZoneHours, h: number): number {
  return Math.max(0, renewableMw(zone, h) - zone.loadMw[h]);
}

/** Green supply available to a site each hour: its contract, capped at what the site can draw. */
export function siteGreenMw(zone: ZoneHours, contract: SupplyContract, siteMaxMw: number): Float64Array {
  const hours = zone.loadMw.length;
  const green = new Float64Array(hours);
  for (let h = 0; h < hours; h++) {
    green[h] = Math.min(siteMaxMw, contract.renewableShare * renewableMw(zone, h) + contract.surplusShare * surplusMw(zone, h));
  }
  return green;
}
