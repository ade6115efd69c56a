import type { EnergyTotals } from '../energy/energy-meter.js';
import { gridWeight } from './objective.js';
import type { Objective, PlanSite, SiteHourLoad } from './plan-types.js';

/**
 * What is already planned at every site and hour, in flat typed arrays indexed `site * hours + hour`,
 * and the price of adding load there. The planner places jobs one by one on top of it.
 */
export class SiteHours {
  readonly gpusFree: Int32Array;
  /** Average power over the hour (energy in MWh): a job working part of the hour counts that part. */
  readonly loadMw: Float64Array;
  /** Power while every job holding the hour runs at once: what an import cap limits. */
  readonly drawMw: Float64Array;
  readonly greenMw: Float64Array;
  readonly importCapMw: Float64Array;
  readonly peak: Uint8Array;
  /** Objective weight of one MWh from the grid in that hour (1, g CO2/kWh or price), peak weight applied. */
  readonly gridWeight: Float64Array;
  /** The same without the peak weight: what a MWh of checkpoint energy is charged. */
  readonly energyWeight: Float64Array;
  readonly carbon: Float64Array;
  readonly price: Float64Array;
  /** Counts the changes (`reserve`, `undoTo`): costs worked out from these hours hold while it stays the same. */
  version = 0;
  /** While a `mark` is open: each change's site-hour and its values before, four numbers a change. */
  private readonly journal: number[] = [];
  private openMarks = 0;
  /** Per site-hour, the last `weightedGridChangeSince` call that counted it (each is counted once a call). */
  private readonly counted: Int32Array;
  private countCalls = 0;

  constructor(
    readonly sites: readonly PlanSite[],
    readonly hours: number,
    objective: Objective,
    readonly peakWeight: number,
  ) {
    const size = sites.length * hours;
    this.gpusFree = new Int32Array(size);
    this.loadMw = new Float64Array(size);
    this.drawMw = new Float64Array(size);
    this.greenMw = new Float64Array(size);
    this.importCapMw = new Float64Array(size).fill(Infinity);
    this.peak = new Uint8Array(size);
    this.gridWeight = new Float64Array(size);
    this.energyWeight = new Float64Array(size);
    this.carbon = new Float64Array(size);
    this.price = new Float64Array(size);
    this.counted = new Int32Array(size);
    sites.forEach((site, s) => {
      const { greenMw, peak, importCapMw, carbonGPerKwh, pricePerMwh, forecastHours = hours } = site.signals;
      for (let h = 0; h < hours; h++) {
        const i = s * hours + h;
        this.gpusFree[i] = site.gpus;
        // Past the forecasts no renewable supply is counted on.
        this.greenMw[i] = h < forecastHours ? (greenMw[h] ?? 0) : 0;
        this.peak[i] = peak[h] ? 1 : 0;
        if (importCapMw) this.importCapMw[i] = importCapMw[h] ?? Infinity;
        this.carbon[i] = carbonGPerKwh?.[h] ?? 0;
        this.price[i] = pricePerMwh?.[h] ?? 0;
        this.gridWeight[i] = gridWeight(objective, peakWeight, this.peak[i] === 1, this.carbon[i], this.price[i]);
        this.energyWeight[i] = gridWeight(objective, 1, false, this.carbon[i], this.price[i]);
      }
    });
  }

  /** Grid power drawn at site-hour i with its planned load. */
  gridMw(i: number): number {
    return Math.max(0, this.loadMw[i] - this.greenMw[i]);
  }

  /**
   * Weighted extra grid energy of a job holding site-hour i and using `energyMwh` in it, or
   * Infinity when its GPUs are not free or its full power `mw` would break the import cap.
   */
  marginalCost(i: number, gpus: number, mw: number, energyMwh: number): number {
    if (!this.fits(i, gpus, mw)) return Infinity;
    const before = this.loadMw[i] - this.greenMw[i];
    return (Math.max(0, before + energyMwh) - Math.max(0, before)) * this.gridWeight[i];
  }

  /** The hour has `gpus` GPUs free and room under the import cap for `mw` more. */
  fits(i: number, gpus: number, mw: number): boolean {
    return this.gpusFree[i] >= gpus && this.drawMw[i] + mw - this.greenMw[i] <= this.importCapMw[i] + 1e-9;
  }

  /** Holds (or with negative values releases) GPUs, full power and energy in site-hour i. */
  reserve(i: number, gpus: number, mw: number, energyMwh: number): void {
    this.version++;
    if (this.openMarks > 0) this.journal.push(i, this.gpusFree[i], this.drawMw[i], this.loadMw[i]);
    this.gpusFree[i] -= gpus;
    this.drawMw[i] += mw;
    this.loadMw[i] += energyMwh;
  }

  /**
   * Marks the hours as they are, for a try that `undoTo` takes back exactly or `keep` keeps (each mark ends with one of
   * them; marks nest). Released by the opposite `reserve`, a try's energy would leave rounding in the sums: a plan
   * would then depend on how many tries were made before it (session 37, `docs/planner-benchmark.md`).
   */
  mark(): number {
    this.openMarks++;
    return this.journal.length;
  }

  /** Puts every site-hour back as it was at `mark`, to the last bit. */
  undoTo(mark: number): void {
    const j = this.journal;
    for (let k = j.length - 4; k >= mark; k -= 4) {
      const i = j[k];
      this.gpusFree[i] = j[k + 1];
      this.drawMw[i] = j[k + 2];
      this.loadMw[i] = j[k + 3];
    }
    j.length = mark;
    // A new version, not the one at the mark: versions after it were handed out already.
    this.version++;
    this.closeMark();
  }

  /**
   * Σ weight × grid MWh now less at `mark`, over the site-hours changed since (the others are as they were): what a
   * try changed, without summing every site-hour twice.
   */
  weightedGridChangeSince(mark: number): number {
    const j = this.journal;
    const call = ++this.countCalls;
    let change = 0;
    for (let k = mark; k < j.length; k += 4) {
      const i = j[k];
      if (this.counted[i] === call) continue;
      this.counted[i] = call;
      change += this.gridWeight[i] * (this.gridMw(i) - Math.max(0, j[k + 3] - this.greenMw[i]));
    }
    return change;
  }

  /** Keeps the changes since the mark (an enclosing mark may still undo them). */
  keep(): void {
    this.closeMark();
  }

  private closeMark(): void {
    if (--this.openMarks === 0) this.journal.length = 0;
  }

  /** Energy by source over every site-hour with its load, and the objective: Σ weight × grid MWh. */
  meter(): EnergyTotals & { objective: number } {
    let energy = 0,
      grid = 0,
      peakGrid = 0,
      carbon = 0,
      cost = 0,
      objective = 0;
    for (let i = 0; i < this.loadMw.length; i++) {
      if (this.loadMw[i] === 0) continue;
      const g = this.gridMw(i);
      energy += this.loadMw[i];
      grid += g;
      if (this.peak[i]) peakGrid += g;
      carbon += g * this.carbon[i]; // MWh × g/kWh = kg
      cost += g * this.price[i];
      objective += g * this.gridWeight[i];
    }
    return {
      energyMwh: energy,
      greenMwh: energy - grid,
      gridMwh: grid,
      peakGridMwh: peakGrid,
      carbonKg: carbon,
      cost,
      objective,
    };
  }

  /** Per-site, per-hour load for the plan's output. */
  loadBySite(gpusOf: (site: number) => number): Record<string, SiteHourLoad[]> {
    const result: Record<string, SiteHourLoad[]> = {};
    this.sites.forEach((site, s) => {
      const capacity = gpusOf(s);
      const rows = new Array<SiteHourLoad>(this.hours);
      for (let h = 0; h < this.hours; h++) {
        const i = s * this.hours + h;
        const mw = this.loadMw[i];
        rows[h] = {
          gpus: capacity - this.gpusFree[i],
          mw,
          drawMw: this.drawMw[i],
          greenMw: Math.min(mw, this.greenMw[i]),
          gridMw: this.gridMw(i),
        };
      }
      result[site.id] = rows;
    });
    return result;
  }
}
