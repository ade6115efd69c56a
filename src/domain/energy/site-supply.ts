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

/** A zone's output and load in one hour, MW; hydro only where the zone reports it. */
export interface ZoneHour {
  windMw: number;
  solarMw: number;
  hydroMw?: number;
  loadMw: number;
}

/** A zone's renewable supply in one hour: wind + solar + hydro, summed here and nowhere else. */
export function zoneRenewableMw(hour: Omit<ZoneHour, 'loadMw'>): number {
  return hour.windMw + hour.solarMw + (hour.hydroMw ?? 0);
}

/** Renewable supply beyond the zone's load in one hour (otherwise curtailed). */
export function zoneSurplusMw(hour: ZoneHour): number {
  return Math.max(0, zoneRenewableMw(hour) - hour.loadMw);
}

export function renewableMw(zone: ZoneHours, h: number): number {
  return zoneRenewableMw({ windMw: zone.windMw[h], solarMw: zone.solarMw[h], hydroMw: zone.hydroMw?.[h] });
}

export function surplusMw(zone: ZoneHours, h: number): number {
  return Math.max(0, renewableMw(zone, h) - zone.loadMw[h]);
}

/** Green supply available to a site each hour: its contract, capped at what the site can draw. */
export function siteGreenMw(zone: ZoneHours, contract: SupplyContract, siteMaxMw: number): Float64Array {
  const hours = zone.loadMw.length;
  const green = new Float64Array(hours);
  for (let h = 0; h < hours; h++) {
    green[h] = Math.min(
      siteMaxMw,
      contract.renewableShare * renewableMw(zone, h) + contract.surplusShare * surplusMw(zone, h),
    );
  }
  return green;
}
