import type { Highs } from 'highs';
import { createRequire } from 'node:module';
import { DEFAULT_PLAN_OPTIONS, Plan, PlanInput, PlanOptions } from './plan-types.js';
import { SiteHours } from './site-hours.js';
import type { EnergyTotals } from '../energy/energy-meter.js';
import { jobPowerMw } from '../energy/power.js';
import { peakHeldMw, peakPenalty } from './objective.js';

/** The LP relaxation's result: a lower bound on the objective any real plan can reach. */
export interface LpBound extends EnergyTotals {
  status: 'optimal' | 'not-solved';
  /** Σ weight × grid MWh under the chosen objective (objective.ts), as in PlanTotals. */
  objective: number;
  /** Occupied peak hours of deferrable jobs (fractional). */
  deferrablePeakHours: number;
  /** Their energy at the power they hold (full, or capped where they may be), MWh: what the peak rule prices. */
  deferrablePeakMwh: number;
  /** Work hours the LP could not fit before deadlines (0 when every deadline can be met). */
  unmetWorkHours: number;
  variables: number;
  solveMs: number;
  /** The dual of each site-hour's GPU row, as a price ≥ 0 (a `PlanGuide`); absent when not solved. */
  gpuHourPrice?: Float64Array;
}

/** Work left unplaced costs this much per MWh-equivalent hour: the LP stays feasible and says how much. */
export const UNMET_PENALTY = 1e7;

/**
 * The same problem with fractional hours, solved exactly by HiGHS: deferrable jobs may spread
 * over any hours of their window at any allowed site; pauses, checkpoint overhead and contiguity
 * are relaxed, and a job with a power curve at a site that caps power may run at any mix of its
 * curve's levels (#20), so its objective is a lower bound for every strategy. Non-deferrable jobs follow a
 * fixed rule (start as soon as capacity allows), so their load is taken from `fixed`, a plan of
 * the same input. `settings` pass HiGHS options through (e.g. the interior-point solver for large
 * instances: the same optimum, possibly another optimal vertex).
 */
export async function lpBound(input: PlanInput, fixed: Plan, settings: HighsSettings = {}): Promise<LpBound> {
  const started = performance.now();
  const highs = await highsSolver();
  const world = planningWorld(input, fixed);
  const lp = buildLp(world, highs.infinity);
  const solution = solveModel(highs, lp.model, settings);
  const solveMs = performance.now() - started;
  if (solution.status !== 'optimal') {
    return { status: 'not-solved', ...UNSOLVED_FIGURES, variables: lp.model.numCols, solveMs };
  }
  // GPU rows follow the two rows of each deferrable job (buildLp); a ≤ row's dual is ≤ 0 when minimising.
  const firstGpuRow = 2 * world.deferrable.length;
  const gpuHourPrice = Float64Array.from({ length: world.sites * world.hours }, (_, i) =>
    Math.max(0, -(solution.rowDual[firstGpuRow + i] ?? 0)),
  );
  return {
    status: 'optimal',
    ...lpAccounting(world, lp, solution.x),
    variables: lp.model.numCols,
    solveMs,
    gpuHourPrice,
  };
}

/** The figures of a model the solver did not solve (the LP bound's and the exact MIP's). */
export const UNSOLVED_FIGURES = {
  energyMwh: NaN,
  greenMwh: NaN,
  gridMwh: NaN,
  peakGridMwh: NaN,
  carbonKg: NaN,
  cost: NaN,
  objective: NaN,
  deferrablePeakHours: NaN,
  deferrablePeakMwh: NaN,
  unmetWorkHours: NaN,
} as const;

// ---------------------------------------------------------------------------------------------
// Model building, shared with the exact MIP (exact-plan.ts).

/**
 * One planning run's fixed facts: sites and hours with the non-deferrable load placed, and the deferrable jobs with
 * their windows.
 */
export interface PlanningWorld {
  input: PlanInput;
  options: PlanOptions;
  hours: number;
  sites: number;
  siteHours: SiteHours;
  /** Deferrable jobs with work left: the ones a model places. */
  deferrable: PlanInput['jobs'];
  /** Per deferrable job, the hours [from, to) it may use at each allowed site s, with its power there. */
  windows: { s: number; from: number; to: number; mw: number }[][];
}

/** Site-hours with the fixed (non-deferrable) load of `fixed` reserved, and the deferrable jobs' windows. */
export function planningWorld(input: PlanInput, fixed: Plan): PlanningWorld {
  const options = { ...DEFAULT_PLAN_OPTIONS, ...input.options };
  const H = input.hours;
  const siteHours = new SiteHours(input.sites, H, options.objective, options.peakWeight);
  const startMs = input.start.toUTC().startOf('hour').toMillis();
  const siteIndex = new Map(input.sites.map((s, i) => [s.id, i]));

  // Non-deferrable jobs' planned load is fixed.
  const byId = new Map(input.jobs.map((j) => [j.id, j]));
  for (const jobPlan of fixed.jobs) {
    const job = byId.get(jobPlan.jobId);
    if (!job || job.deferrable) continue;
    let left = job.remainingHours;
    for (const segment of jobPlan.segments) {
      const s = siteIndex.get(segment.site)!;
      const mw = jobPowerMw(job.gpus, input.sites[s].kwPerGpu, input.sites[s].pue);
      for (let h = segment.startHour; h < segment.endHour && left > 0; h++) {
        const fraction = Math.min(1, left);
        left -= fraction;
        siteHours.reserve(s * H + h, job.gpus, mw, mw * fraction);
      }
    }
  }
  const deferrable = input.jobs.filter((j) => j.deferrable && j.remainingHours > 0);
  const windows = deferrable.map((job) =>
    jobWindow(job, input, siteIndex, startMs).map((w) => ({
      ...w,
      mw: jobPowerMw(job.gpus, input.sites[w.s].kwPerGpu, input.sites[w.s].pue),
    })),
  );
  return { input, options, hours: H, sites: input.sites.length, siteHours, deferrable, windows };
}

/** A sparse model in HiGHS's column form, built column by column; rows are numbered by the caller. */
export class SparseModel {
  readonly colCost: number[] = [];
  readonly colLower: number[] = [];
  readonly colUpper: number[] = [];
  readonly integer: number[] = [];
  readonly starts: number[] = [0];
  readonly indices: number[] = [];
  readonly values: number[] = [];
  readonly rowLower: number[] = [];
  readonly rowUpper: number[] = [];

  get numCols(): number {
    return this.colCost.length;
  }

  get numRows(): number {
    return this.rowLower.length;
  }

  /** Adds a column; returns its index. */
  addColumn(
    cost: number,
    upper: number,
    rows: readonly number[],
    coefficients: readonly number[],
    kind: { lower?: number; integer?: boolean } = {},
  ): number {
    this.colCost.push(cost);
    this.colLower.push(kind.lower ?? 0);
    this.colUpper.push(upper);
    this.integer.push(kind.integer ? 1 : 0);
    this.indices.push(...rows);
    this.values.push(...coefficients);
    this.starts.push(this.indices.length);
    return this.colCost.length - 1;
  }

  /** Adds a row's bounds; returns its index. Its coefficients come with the columns. */
  addRow(lower: number, upper: number): number {
    this.rowLower.push(lower);
    this.rowUpper.push(upper);
    return this.rowLower.length - 1;
  }
}

export interface ModelSolution {
  /** optimal: proven (for a MIP, within the gap tolerance); time-limit: the best found when time ran out. */
  status: 'optimal' | 'time-limit' | 'not-solved';
  x: ArrayLike<number>;
  /** LP only: each row's dual (empty for a MIP or when not solved). */
  rowDual: ArrayLike<number>;
  objective: number;
  /** MIP only: HiGHS's relative gap between the best solution and its dual bound, and that bound. */
  mipGap: number;
  dualBound: number;
}

/** HiGHS options by name, e.g. { solver: 'ipm' } for large LPs, { time_limit: 60 }. */
export type HighsSettings = Record<string, number | boolean | string>;

const STATUS = { optimal: 7, timeLimit: 13, interrupted: 17 } as const;
const PRIMAL_FEASIBLE = 2;

/**
 * Solves `model` (a MIP when any column is integer); HiGHS options such as time_limit pass through.
 * `start`, a value per column, is offered to a MIP as its first incumbent (HiGHS drops it if infeasible).
 */
export function solveModel(
  highs: Highs,
  model: SparseModel,
  settings: HighsSettings = {},
  start?: ArrayLike<number>,
): ModelSolution {
  const { numCols, numRows } = model;
  const isMip = model.integer.some((k) => k === 1);
  return highs.withModel(
    {
      numCols,
      numRows,
      colCost: Float64Array.from(model.colCost),
      colLower: Float64Array.from(model.colLower),
      colUpper: Float64Array.from(model.colUpper),
      rowLower: Float64Array.from(model.rowLower),
      rowUpper: Float64Array.from(model.rowUpper),
      matrix: {
        format: 'csc',
        numRows,
        numCols,
        starts: Int32Array.from(model.starts),
        indices: Int32Array.from(model.indices),
        values: Float64Array.from(model.values),
      },
      ...(isMip ? { integrality: Int32Array.from(model.integer) } : {}),
    },
    (m) => {
      m.options.set({ output_flag: false, ...settings });
      if (start && isMip) m.setSolution({ colValue: Float64Array.from(start) });
      m.run();
      const code = m.getModelStatus() as number;
      const feasible = Number(m.info.get('primal_solution_status')) === PRIMAL_FEASIBLE;
      const status: ModelSolution['status'] =
        code === STATUS.optimal
          ? 'optimal'
          : (code === STATUS.timeLimit || code === STATUS.interrupted) && feasible
            ? 'time-limit'
            : 'not-solved';
      const info = (name: string) => (isMip ? Number(m.info.get(name)) : NaN);
      return {
        status,
        x: status === 'not-solved' ? [] : m.getSolution().colValue,
        rowDual: status === 'not-solved' || isMip ? [] : m.getSolution().rowDual,
        objective: m.getObjectiveValue(),
        mipGap: info('mip_gap'),
        dualBound: info('mip_dual_bound'),
      };
    },
  );
}

/** The LP's model and where its columns are. */
interface LpModel {
  model: SparseModel;
  /** Per job-site-hour: its occupancy column and the work columns, one per power level. */
  hours: LpJobHour[];
  /** Columns before the grid and shortfall columns: every job-site-hour's. */
  jobColumns: number;
}

interface LpJobHour {
  /** Site-hour, s × H + h. */
  i: number;
  /**
   * y: the hour is held; `heldMw`: the power counted for holding it (at the lowest fraction the job may run at), and
   * `peakMw` what the peak rule counts of it (`peakHeldMw`: none at a curve's minimum).
   */
  held: { col: number; heldMw: number; peakMw: number };
  /** x at each power level: hours of work done there at `mw` each, and the power above `heldMw`. */
  levels: { col: number; mw: number; aboveHeldMw: number }[];
}

/**
 * The power levels a deferrable job may run at, at site s: full power, and at a site that caps power its curve's
 * points (#20): [power fraction, throughput]. Between the points the LP mixes them within the hour, which is the
 * curve's interpolation where it is concave and better than it where not: still a bound.
 */
function powerLevels(job: PlanInput['jobs'][number], capsPower: boolean | undefined): [number, number][] {
  return capsPower && job.power ? job.power.throughput.map(([f, t]): [number, number] => [f, t]) : [[1, 1]];
}

/**
 * Columns, per job j, allowed site s and hour h of its window: x at each power level (hours of work
 * done there at that level) and y (the hour is occupied: the job holds its GPUs for the whole hour,
 * as plans do); then g[s,h] (grid MW) and the unmet work of each job. Rows: work, occupancy, GPUs,
 * grid balance, import caps, Σ x ≤ y, and one site at a time per job and hour. A job that may be
 * capped holds an hour at its lowest power (y) and each level's power above that (x): import caps
 * count what it draws; the peak rule too, its minimum as shed (`peakHeldMw`) — between the minimum and the next level
 * less than a plan counts, so still a bound.
 */
function buildLp(world: PlanningWorld, infinity: number): LpModel {
  const { hours: H, sites: S, siteHours: sh, deferrable, windows } = world;
  const model = new SparseModel();
  const J = deferrable.length;
  const workRow = (j: number) => 2 * j;
  const occupancyRow = (j: number) => 2 * j + 1;
  const capRow = (s: number, h: number) => 2 * J + s * H + h;
  const gridRow = (s: number, h: number) => 2 * J + S * H + s * H + h;
  // Import caps limit the power of the jobs holding an hour (y), not the hour's average.
  const capped: number[] = [];
  const importRow = new Int32Array(S * H).fill(-1);
  for (let i = 0; i < S * H; i++)
    if (sh.importCapMw[i] !== Infinity) importRow[i] = 2 * J + 2 * S * H + capped.push(i) - 1;
  const firstLinkRow = 2 * J + 2 * S * H + capped.length;
  let linkRows = 0;
  // A job holds GPUs at one site at a time: Σ_s y[j,s,h] ≤ 1 for jobs with more than one site.
  const firstExclusiveRow =
    firstLinkRow + windows.reduce((n, w) => n + w.reduce((m, { from, to }) => m + to - from, 0), 0);
  let exclusiveRows = 0;
  const hours: LpJobHour[] = [];
  deferrable.forEach((job, j) => {
    const exclusiveRow = new Map<number, number>();
    if (windows[j].length > 1)
      for (const { from, to } of windows[j])
        for (let h = from; h < to; h++)
          if (!exclusiveRow.has(h)) exclusiveRow.set(h, firstExclusiveRow + exclusiveRows++);
    for (const { s, from, to, mw } of windows[j]) {
      const capsPower = world.input.sites[s].capsPower;
      const levels = powerLevels(job, capsPower);
      const heldFraction = Math.min(...levels.map(([f]) => f));
      const peakMw = peakHeldMw(mw, heldFraction, capsPower ? job.power : undefined);
      for (let h = from; h < to; h++) {
        const link = firstLinkRow + linkRows++;
        const i = s * H + h;
        const jobHour: LpJobHour = { i, held: { col: -1, heldMw: heldFraction * mw, peakMw }, levels: [] };
        for (const [fraction, throughput] of levels) {
          const above = (fraction - heldFraction) * mw;
          const rows = [workRow(j), gridRow(s, h), link];
          const coefficients = [throughput, fraction * mw, 1];
          if (importRow[i] >= 0 && above > 0) {
            rows.push(importRow[i]);
            coefficients.push(above);
          }
          const col = model.addColumn(sh.peak[i] ? peakPenalty(above) : 0, 1, rows, coefficients);
          jobHour.levels.push({ col, mw: fraction * mw, aboveHeldMw: above });
        }
        const rows = [occupancyRow(j), capRow(s, h), link];
        const coefficients = [1, job.gpus, -1];
        if (importRow[i] >= 0) {
          rows.splice(2, 0, importRow[i]);
          coefficients.splice(2, 0, jobHour.held.heldMw);
        }
        const exclusive = exclusiveRow.get(h);
        if (exclusive !== undefined) {
          rows.push(exclusive);
          coefficients.push(1);
        }
        jobHour.held.col = model.addColumn(sh.peak[i] ? peakPenalty(peakMw) : 0, 1, rows, coefficients);
        hours.push(jobHour);
      }
    }
  });
  const jobColumns = model.numCols;
  for (let i = 0; i < S * H; i++)
    model.addColumn(sh.gridWeight[i], infinity, [gridRow(Math.floor(i / H), i % H)], [-1]);
  for (let j = 0; j < J; j++) {
    model.addColumn(UNMET_PENALTY, infinity, [workRow(j)], [1]);
    model.addColumn(UNMET_PENALTY, infinity, [occupancyRow(j)], [1]);
  }

  for (const job of deferrable) {
    model.addRow(job.remainingHours, job.remainingHours);
    model.addRow(Math.ceil(job.remainingHours - 1e-9), infinity);
  }
  for (let i = 0; i < S * H; i++) model.addRow(-infinity, sh.gpusFree[i]);
  // Σ P·x − g ≤ green − fixed load
  for (let i = 0; i < S * H; i++) model.addRow(-infinity, sh.greenMw[i] - sh.loadMw[i]);
  // Σ P·y (+ the power above it at each level) ≤ cap + green − fixed draw
  for (const i of capped) model.addRow(-infinity, sh.importCapMw[i] + sh.greenMw[i] - sh.drawMw[i]);
  for (let k = 0; k < linkRows; k++) model.addRow(-infinity, 0); // Σ x − y ≤ 0
  for (let k = 0; k < exclusiveRows; k++) model.addRow(-infinity, 1); // Σ_s y ≤ 1
  return { model, hours, jobColumns };
}

/** Adds the LP's deferrable load to the fixed load and accounts exactly as a plan does. */
function lpAccounting(world: PlanningWorld, lp: LpModel, x: ArrayLike<number>) {
  const { sites: S, hours: H, siteHours: sh, deferrable } = world;
  let deferrablePeakHours = 0;
  let deferrablePeakMwh = 0;
  for (const { i, held, levels } of lp.hours) {
    for (const level of levels) sh.loadMw[i] += level.mw * x[level.col];
    if (!sh.peak[i]) continue;
    deferrablePeakHours += x[held.col];
    deferrablePeakMwh += held.peakMw * x[held.col];
    for (const level of levels) deferrablePeakMwh += level.aboveHeldMw * x[level.col];
  }
  // Each job has two shortfall columns, work then occupancy: only the first is hours of work.
  let unmet = 0;
  for (let j = 0; j < deferrable.length; j++) unmet += x[lp.jobColumns + S * H + 2 * j];
  return { ...sh.meter(), deferrablePeakHours, deferrablePeakMwh, unmetWorkHours: unmet };
}

// Loaded through require: the package's type declarations describe its CommonJS build.
const loadHighs = createRequire(import.meta.url)('highs') as () => Promise<Highs>;
let highsPromise: Promise<Highs> | undefined;

/** The HiGHS solver, loaded once (WebAssembly, single-threaded). */
export function highsSolver(): Promise<Highs> {
  return (highsPromise ??= loadHighs());
}

/**
 * The hours [from, to) job may use at each allowed site: after its earliest start and data transfer, before its
 * deadline.
 */
export function jobWindow(
  job: PlanInput['jobs'][number],
  input: PlanInput,
  siteIndex: Map<string, number>,
  startMs: number,
) {
  const from = Math.max(0, Math.ceil((job.earliestStart.toMillis() - startMs) / 3_600_000 - 1e-9));
  const to = Math.min(input.hours, Math.floor((job.deadline.toMillis() - startMs) / 3_600_000 + 1e-9));
  return (job.sites ?? input.sites.map((s) => s.id)).flatMap((id) => {
    const s = siteIndex.get(id);
    return s === undefined
      ? []
      : [{ s, from: from + Math.max(0, Math.ceil((job.transferHours?.[id] ?? 0) - 1e-9)), to }];
  });
}
