import type { Highs } from 'highs';
import { createRequire } from 'node:module';
import { DEFAULT_PLAN_OPTIONS, Plan, PlanInput } from './plan-types.js';
import { SiteHours } from './site-hours.js';
import type { EnergyTotals } from '../energy/energy-meter.js';
import { jobPowerMw } from '../energy/power.js';
import { PEAK_PENALTY } from './plan.js';

/** The LP relaxation's result: a lower bound on the objective any real plan can reach. */
export interface LpBound extends EnergyTotals {
  status: 'optimal' | 'not-solved';
  /** gridMwh + (peakWeight − 1) × peakGridMwh, as in PlanTotals. */
  objective: number;
  /** Occupied peak hours of deferrable jobs (fractional), priced like the planner's peak rule. */
  deferrablePeakHours: number;
  /** Work hours the LP could not fit before deadlines (0 when every deadline can be met). */
  unmetWorkHours: number;
  variables: number;
  solveMs: number;
}

/** Work left unplaced costs this much per MWh-equivalent hour: the LP stays feasible and says how much. */
const UNMET_PENALTY = 1e7;
const OPTIMAL = 7;

// Loaded through require: the package's type declarations describe its CommonJS build.
const loadHighs = createRequire(import.meta.url)('highs') as () => Promise<Highs>;
let highsPromise: Promise<Highs> | undefined;

/**
 * The same problem with fractional hours, solved exactly by HiGHS: deferrable jobs may spread
 * over any hours of their window at any allowed site; pauses, checkpoint overhead and contiguity
 * are relaxed, so its objective is a lower bound for every strategy. Non-deferrable jobs follow a
 * fixed rule (start as soon as capacity allows), so their load is taken from `fixed`, a plan of
 * the same input.
 */
export async function lpBound(input: PlanInput, fixed: Plan): Promise<LpBound> {
  const started = performance.now();
  const highs = await (highsPromise ??= loadHighs());
  const options = { ...DEFAULT_PLAN_OPTIONS, ...input.options };
  const H = input.hours;
  const S = input.sites.length;
  const sh = new SiteHours(input.sites, H, options.objective, options.peakWeight);
  const startMs = input.start.toUTC().startOf('hour').toMillis();
  const siteIndex = new Map(input.sites.map((s, i) => [s.id, i]));

  // Non-deferrable jobs' planned load is fixed.
  const byId = new Map(input.jobs.map((j) => [j.id, j]));
  for (const jobPlan of fixed.jobs) {
    const job = byId.get(jobPlan.jobId);
    if (!job || job.deferrable || !jobPlan.site) continue;
    const s = siteIndex.get(jobPlan.site)!;
    const mw = jobPowerMw(job.gpus, input.sites[s].kwPerGpu, input.sites[s].pue);
    let left = job.remainingHours;
    for (const segment of jobPlan.segments) {
      for (let h = segment.startHour; h < segment.endHour && left > 0; h++) {
        const fraction = Math.min(1, left);
        left -= fraction;
        sh.reserve(s * H + h, job.gpus, mw, mw * fraction);
      }
    }
  }

  // Columns, per job j, allowed site s and hour h of its window: x (hours of work done there) and
  // y (the hour is occupied: the job holds its GPUs for the whole hour, as plans do); then g[s,h]
  // (grid MW) and the unmet work of each job. Rows: work, occupancy, GPUs, grid balance, x ≤ y.
  const colCost: number[] = [];
  const colUpper: number[] = [];
  const starts: number[] = [0];
  const indices: number[] = [];
  const values: number[] = [];
  const deferrable = input.jobs.filter((j) => j.deferrable && j.remainingHours > 0);
  const J = deferrable.length;
  const workRow = (j: number) => 2 * j;
  const occupancyRow = (j: number) => 2 * j + 1;
  const capRow = (s: number, h: number) => 2 * J + s * H + h;
  const gridRow = (s: number, h: number) => 2 * J + S * H + s * H + h;
  // Import caps limit the power of the jobs holding an hour (y), not the hour's average.
  const capped: number[] = [];
  const importRow = new Int32Array(S * H).fill(-1);
  for (let i = 0; i < S * H; i++) if (sh.importCapMw[i] !== Infinity) importRow[i] = 2 * J + 2 * S * H + capped.push(i) - 1;
  const firstLinkRow = 2 * J + 2 * S * H + capped.length;
  let linkRows = 0;
  const addColumn = (cost: number, upper: number, rows: number[], coefficients: number[]) => {
    colCost.push(cost);
    colUpper.push(upper);
    indices.push(...rows);
    values.push(...coefficients);
    starts.push(indices.length);
  };
  const windows = deferrable.map((job) => jobWindow(job, input, siteIndex, startMs));
  deferrable.forEach((job, j) => {
    for (const { s, from, to } of windows[j]) {
      const mw = jobPowerMw(job.gpus, input.sites[s].kwPerGpu, input.sites[s].pue);
      for (let h = from; h < to; h++) {
        const link = firstLinkRow + linkRows++;
        addColumn(0, 1, [workRow(j), gridRow(s, h), link], [1, mw, 1]);
        const i = s * H + h;
        const rows = [occupancyRow(j), capRow(s, h), link];
        const coefficients = [1, job.gpus, -1];
        if (importRow[i] >= 0) {
          rows.splice(2, 0, importRow[i]);
          coefficients.splice(2, 0, mw);
        }
        addColumn(sh.peak[i] ? PEAK_PENALTY : 0, 1, rows, coefficients);
      }
    }
  });
  const xyCount = colCost.length;
  for (let s = 0; s < S; s++) {
    for (let h = 0; h < H; h++) {
      const i = s * H + h;
      addColumn(sh.gridWeight[i], highs.infinity, [gridRow(s, h)], [-1]);
    }
  }
  for (let j = 0; j < J; j++) {
    addColumn(UNMET_PENALTY, highs.infinity, [workRow(j)], [1]);
    addColumn(UNMET_PENALTY, highs.infinity, [occupancyRow(j)], [1]);
  }

  const rowLower: number[] = [];
  const rowUpper: number[] = [];
  for (const job of deferrable) {
    rowLower.push(job.remainingHours, Math.ceil(job.remainingHours - 1e-9));
    rowUpper.push(job.remainingHours, highs.infinity);
  }
  for (let i = 0; i < S * H; i++) {
    rowLower.push(-highs.infinity);
    rowUpper.push(sh.gpusFree[i]);
  }
  for (let i = 0; i < S * H; i++) {
    rowLower.push(-highs.infinity);
    rowUpper.push(sh.greenMw[i] - sh.loadMw[i]); // Σ P·x − g ≤ green − fixed load
  }
  for (const i of capped) {
    rowLower.push(-highs.infinity);
    rowUpper.push(sh.importCapMw[i] + sh.greenMw[i] - sh.drawMw[i]); // Σ P·y ≤ cap + green − fixed draw
  }
  for (let k = 0; k < linkRows; k++) {
    rowLower.push(-highs.infinity);
    rowUpper.push(0); // x − y ≤ 0
  }

  const numCols = colCost.length;
  const numRows = rowLower.length;
  const solution = highs.withModel(
    {
      numCols,
      numRows,
      colCost: Float64Array.from(colCost),
      colLower: new Float64Array(numCols),
      colUpper: Float64Array.from(colUpper),
      rowLower: Float64Array.from(rowLower),
      rowUpper: Float64Array.from(rowUpper),
      matrix: { format: 'csc', numRows, numCols, starts: Int32Array.from(starts), indices: Int32Array.from(indices), values: Float64Array.from(values) },
    },
    (model) => {
      model.options.set({ output_flag: false });
      model.run();
      return { status: model.getModelStatus(), x: model.getSolution().colValue };
    },
  );
  const solveMs = performance.now() - started;
  if (solution.status !== OPTIMAL) {
    return { status: 'not-solved', energyMwh: NaN, greenMwh: NaN, gridMwh: NaN, peakGridMwh: NaN, carbonKg: NaN, cost: NaN, objective: NaN, deferrablePeakHours: NaN, unmetWorkHours: NaN, variables: numCols, solveMs };
  }

  // Add the LP's deferrable load to the fixed load and account exactly as a plan does.
  let col = 0;
  let deferrablePeakHours = 0;
  deferrable.forEach((job, j) => {
    for (const { s, from, to } of windows[j]) {
      const mw = jobPowerMw(job.gpus, input.sites[s].kwPerGpu, input.sites[s].pue);
      for (let h = from; h < to; h++, col += 2) {
        sh.loadMw[s * H + h] += mw * solution.x[col];
        if (sh.peak[s * H + h]) deferrablePeakHours += solution.x[col + 1];
      }
    }
  });
  let unmet = 0;
  for (let j = 0; j < 2 * J; j++) unmet += solution.x[xyCount + S * H + j];
  let energy = 0, grid = 0, peakGrid = 0, carbon = 0, cost = 0;
  for (let i = 0; i < S * H; i++) {
    const g = sh.gridMw(i);
    energy += sh.loadMw[i];
    grid += g;
    if (sh.peak[i]) peakGrid += g;
    carbon += g * sh.carbon[i];
    cost += g * sh.price[i];
  }
  return {
    status: 'optimal',
    energyMwh: energy,
    greenMwh: energy - grid,
    gridMwh: grid,
    peakGridMwh: peakGrid,
    carbonKg: carbon,
    cost,
    objective: grid + (options.peakWeight - 1) * peakGrid,
    deferrablePeakHours,
    unmetWorkHours: unmet,
    variables: numCols,
    solveMs,
  };
}

/** The hours [from, to) job may use at each allowed site: after its earliest start and data transfer, before its deadline. */
function jobWindow(job: PlanInput['jobs'][number], input: PlanInput, siteIndex: Map<string, number>, startMs: number) {
  const from = Math.max(0, Math.ceil((job.earliestStart.toMillis() - startMs) / 3_600_000 - 1e-9));
  const to = Math.min(input.hours, Math.floor((job.deadline.toMillis() - startMs) / 3_600_000 + 1e-9));
  return (job.sites ?? input.sites.map((s) => s.id)).flatMap((id) => {
    const s = siteIndex.get(id);
    return s === undefined ? [] : [{ s, from: from + Math.max(0, Math.ceil((job.transferHours?.[id] ?? 0) - 1e-9)), to }];
  });
}
