import { gaussian, seededRandom } from '../domain/seeded-random.js';
import { sigmaForMape } from '../domain/signals/measured-forecast-error.js';

/** The series of a zone's forecast that the replay draws errors for (in the order the flat model draws them). */
export const FORECAST_SERIES = ['windMw', 'solarMw', 'loadMw', 'hydroMw', 'carbonGPerKwh', 'pricePerMwh'] as const;
export type ForecastSeries = (typeof FORECAST_SERIES)[number];

/** Renewable supply: the series a bias over- or under-forecasts. */
const RENEWABLE: ReadonlySet<ForecastSeries> = new Set(['windMw', 'solarMw', 'hydroMw']);

/**
 * How forecasts issued at consecutive hours relate:
 * - `evolving`: each hour's forecast revises the previous one — the error of a target hour is the
 *   sum of one independent shock per hour of lead still to come, so it shrinks as the hour nears
 *   and a forecast an hour later differs from the last by one shock (the martingale model of
 *   forecast evolution);
 * - `redrawn`: every issue draws its error path afresh (the forecasts of consecutive hours are
 *   independent of each other).
 * Both give the same error at each lead.
 */
export type ForecastRevisions = 'evolving' | 'redrawn';

export interface ForecastErrorModel {
  /** Mean absolute percentage error at 24 h lead, bias apart (0.1: 10%). */
  level: number;
  /** Systematic relative error of the renewable supply (wind, solar, hydro): −0.05 forecasts 5% less than comes. */
  bias: number;
  /** The load forecasts' level (default `level`). */
  loadLevel?: number;
  /** Correlation of the error from one hour to the next along a forecast (AR(1); default 0.9). */
  autocorrelation?: number;
  /** Default `evolving`. */
  revisions?: ForecastRevisions;
}

export const DEFAULT_AUTOCORRELATION = 0.9;

/** Whether the model's forecasts are the actual series exactly. */
export function isPerfect(model: ForecastErrorModel): boolean {
  return model.level === 0 && model.bias === 0 && (model.loadLevel ?? model.level) === 0;
}

/**
 * Relative forecast errors (forecast = actual × (1 + error)) of every zone's series, drawn from a
 * seed: at lead ℓ hours (the forecast of the hour [t + ℓ − 1, t + ℓ) issued at t) the error has
 * standard deviation σ₂₄ √(ℓ / 24), σ₂₄ set so that the mean absolute error at 24 h is the
 * model's level; it is autocorrelated along the forecast (AR(1), so a forecast is wrong for
 * stretches of hours), independent between series and zones; the renewables carry the bias on top.
 */
export class ForecastErrors {
  private readonly evolving = new Map<string, Float32Array>();
  private readonly phi: number;
  private readonly revisions: ForecastRevisions;

  /**
   * @param hours the hours of data: targets are [0, hours)
   * @param maxLead the longest lead asked for (the planning horizon)
   */
  constructor(
    private readonly model: ForecastErrorModel,
    private readonly seed: number,
    private readonly hours: number,
    private readonly maxLead: number,
  ) {
    this.phi = model.autocorrelation ?? DEFAULT_AUTOCORRELATION;
    this.revisions = model.revisions ?? 'evolving';
    if (!(this.phi >= 0 && this.phi < 1)) throw new Error(`autocorrelation must be in [0, 1): ${this.phi}`);
  }

  /** σ of the relative error at lead `lead` hours for the series. */
  sigma(series: ForecastSeries, lead: number): number {
    const level = series === 'loadMw' ? (this.model.loadLevel ?? this.model.level) : this.model.level;
    return sigmaForMape(level) * Math.sqrt(lead / 24);
  }

  /**
   * The relative errors of `series` in zone number `zone` as forecast at hour `issue` for the
   * hours [issue, issue + count): index k has lead k + 1. Hours past the data get 0.
   */
  relative(zone: number, series: ForecastSeries, issue: number, count: number): Float64Array {
    if (count > this.maxLead) throw new Error(`lead ${count} h is beyond the longest lead drawn (${this.maxLead} h)`);
    const errors = new Float64Array(count);
    const bias = RENEWABLE.has(series) ? this.model.bias : 0;
    const sigma24 = this.sigma(series, 24);
    const ahead = Math.max(0, Math.min(count, this.hours - issue));
    if (sigma24 > 0 && this.revisions === 'evolving') {
      const table = this.evolvingTable(zone, series);
      const scale = sigma24 / Math.sqrt(24);
      for (let k = 0; k < ahead; k++) errors[k] = scale * table[(issue + k) * this.maxLead + k];
    } else if (sigma24 > 0) {
      const random = seededRandom(mix(this.seed, zone, FORECAST_SERIES.indexOf(series), issue + 1));
      let z = gaussian(random);
      for (let k = 0; k < ahead; k++) {
        if (k > 0) z = this.phi * z + Math.sqrt(1 - this.phi ** 2) * gaussian(random);
        errors[k] = this.sigma(series, k + 1) * z;
      }
    }
    for (let k = 0; k < ahead; k++) errors[k] += bias;
    return errors;
  }

  /**
   * The evolving model's errors in shocks, for every target hour T and lead ℓ (at T × maxLead + ℓ − 1):
   * the sum of the shocks revealed at hours T + 1, T, …, T + 2 − ℓ. The shocks revealed at one hour
   * form an AR(1) path over the target hours they concern, each of unit variance; a target's sum of
   * ℓ of them has variance ℓ, and issuing an hour later drops one.
   */
  private evolvingTable(zone: number, series: ForecastSeries): Float32Array {
    const key = `${zone}:${series}`;
    const cached = this.evolving.get(key);
    if (cached) return cached;
    const L = this.maxLead;
    const table = new Float32Array(this.hours * L);
    const random = seededRandom(mix(this.seed, zone, FORECAST_SERIES.indexOf(series), 0));
    const innovation = Math.sqrt(1 - this.phi ** 2);
    // Shocks revealed at hour u concern the targets T = u − 1 … u + L − 2, at lead T − u + 2.
    for (let u = 2 - L; u <= this.hours; u++) {
      let z = gaussian(random);
      for (let T = u - 1; T <= u + L - 2; T++) {
        if (T > u - 1) z = this.phi * z + innovation * gaussian(random);
        if (T >= 0 && T < this.hours) table[T * L + (T - u + 1)] = z;
      }
    }
    for (let T = 0; T < this.hours; T++)
      for (let lead = 1; lead < L; lead++) table[T * L + lead] += table[T * L + lead - 1];
    this.evolving.set(key, table);
    return table;
  }
}

/** A 32-bit seed from several whole numbers (murmur3's finaliser over each in turn). */
function mix(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    h = Math.imul(h ^ (part >>> 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}
