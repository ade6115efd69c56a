import type { EnergyTotals } from '../energy/energy-meter.js';
import { HighsSettings, highsSolver, planningWorld, solveModel, SparseModel, UNSOLVED_FIGURES } from './lp-bound.js';
import { plan } from './plan.js';
import type { Plan, PlanInput } from './plan-types.js';

/** The exact optimum of a small instance (or the best plan found within the time limit). */
export interface ExactPlanResult extends EnergyTotals {
  /** optimal: proven within the gap tolerance; time-limit: the best plan found, `mipGap` says how far it may be. */
  status: 'optimal' | 'time-limit' | 'not-solved';
  /** Σ weight × grid MWh under the chosen objective (objective.ts), as in PlanTotals and LpBound. */
  objective: number;
  /** Hours deferrable jobs hold GPUs in peak hours, priced like the planner's peak rule. */
  deferrablePeakHours: number;
  /** Their energy at full power, MWh: what the peak rule prices. */
  deferrablePeakMwh: number;
  /** Work hours (checkpoints included) that fit nowhere before deadlines. */
  unmetWorkHours: number;
  /** Σ over deferrable jobs of the planner's pause count (segments − 1, plus a stop now for a running job). */
  pauses: number;
  /** Energy of checkpoint restores: checkpoint hours paid × the job's power. */
  checkpointMwh: number;
  /** HiGHS's relative gap between the plan found and its dual bound in the second stage (0 when proven optimal). */
  mipGap: number;
  /** The second stage's objective minus its dual bound, in objective units. */
  absoluteGap: number;
  variables: number;
  binaries: number;
  solveMs: number;
  /** Where each deferrable job runs: the hours it holds GPUs, ascending, with the site of each. */
  jobs: { jobId: string; hours: { site: string; hour: number }[]; segments: number; pauses: number }[];
}

export interface ExactPlanOptions {
  /** Stop after this many seconds with the best plan found (default 60). */
  timeLimitSeconds?: number;
  /** Stop when the solver's objective is proven within this of the optimum (objective units; default 1e-5). */
  absoluteGap?: number;
  /**
   * Non-deferrable jobs' load is taken from this plan, and its deferrable placements are the first incumbent; default
   * plan(input).
   */
  fixed?: Plan;
  /** Further HiGHS options (e.g. mip_heuristic_effort). */
  settings?: HighsSettings;
}

/**
 * Among plans of equal cost, fewer segments: the optimum's pause count is then meaningful even with free
 * checkpoints.
 */
const SEGMENT_TIE_BREAK = 1e-7;
/**
 * First-stage prices: an hour of work left out outweighs any peak MWh, a peak MWh the weighted grid energy of an
 * instance this small (well under 100). Grid energy stays in the first stage's objective, so its plan, the second
 * stage's first incumbent, is already a good one (with the peak MWh alone it was an arbitrary one: 0.036 against
 * 0.016 on a fixed-peak slice).
 */
const STAGE_ONE_UNMET_PENALTY = 1e6;
const STAGE_ONE_PEAK_PRICE = 1e3;
/** The first stage stops after this share of the time limit; the second has the rest. */
const STAGE_ONE_TIME_SHARE = 0.5;
/** The peak MWh the second stage holds may exceed the first's by this much (the solver's tolerances). */
const PEAK_TOLERANCE_MWH = 1e-6;
/** Σy − Σx ≤ 1 − this: strictly less than one idle hour, with room for the solver's tolerances. */
const IDLE_TOLERANCE = 1e-4;

/**
 * The planner's problem in whole hours, solved by HiGHS (branch and cut) for small instances. At
 * 40 jobs × 48 h × 3 sites (≈ 4,700 columns, 3,000 binary) it improves on the planner's plan, its
 * first incumbent, within seconds, but seldom proves optimality within minutes: `status`, `mipGap`
 * and `absoluteGap` say how far the result may be from the optimum. Per deferrable job j, allowed site s and hour
 * h of its window: y (binary: the job holds its GPUs there that hour), z (binary: a segment starts
 * there; a gap or a change of site starts one) and x (0–1: the share of the hour it works; only its last hour held
 * may be partial, as in a plan). Work: Σx = remaining + checkpoint × restores, where restores = Σz − 1
 * for a queued job (its first start is free) and Σz for a paused or running one (continuing where
 * it runs at hour 0 is not a start). A job runs at one site at a time; non-interruptible jobs have
 * one segment. GPU capacity, import caps and the grid balance g[s,h] ≥ Σ P·x + fixed − green hold
 * per site-hour. Objective, in two stages as the planner's cost ranks it: first the least work left out, then the
 * fewest peak MWh held by deferrable jobs (the peak rule); with those held, Σ gridWeight·g.
 *
 * Approximations, each in the model's favour (so its optimum stays a lower bound on any plan of the same rules):
 * minSegmentHours and the move hysteresis are not modelled. Non-deferrable jobs are fixed load, as in the LP bound.
 * (Until session 44 the partial hour's idle share could fall in any hour held, not only the last: on the fixed-peak
 * slices that alone put the MIP's plans 8–43% below any plan a planner can run.)
 */
export async function exactPlan(input: PlanInput, options: ExactPlanOptions = {}): Promise<ExactPlanResult> {
  const started = performance.now();
  const highs = await highsSolver();
  const infinity = highs.infinity;
  const fixed = options.fixed ?? plan(input);
  const world = planningWorld(input, fixed);
  const { hours: H, sites: S, siteHours: sh, deferrable, windows } = world;
  const model = new SparseModel();

  // Rows per site-hour: GPUs, grid balance (Σ P·x − g ≤ green − fixed load), import cap on full power.
  const gpuRow = Array.from({ length: S * H }, (_, i) => model.addRow(-infinity, sh.gpusFree[i]));
  const gridRow = Array.from({ length: S * H }, (_, i) => model.addRow(-infinity, sh.greenMw[i] - sh.loadMw[i]));
  // Σ peak MW · y ≤ the first stage's peak MWh: open in the first stage, closed in the second.
  const peakRow = model.addRow(-infinity, infinity);
  const importRow = Array.from({ length: S * H }, (_, i) =>
    sh.importCapMw[i] === Infinity ? -1 : model.addRow(-infinity, sh.importCapMw[i] + sh.greenMw[i] - sh.drawMw[i]),
  );

  // Per job: work row, one-segment row (non-interruptible), free-first-start row; per job-site-hour: y, z, x.
  const columns: { j: number; s: number; h: number; y: number; z: number; x: number }[] = [];
  const jobColumns: {
    /** L[h] per hour from firstHour: 1 where the job holds a later hour. */
    later: number[];
    firstHour: number;
    from: number;
    to: number;
    unmet: number;
    freeStart: number;
  }[] = [];
  deferrable.forEach((job, j) => {
    const checkpoint = job.checkpointMinutes / 60;
    const running = job.state === 'running';
    const currentSite = job.currentSite === undefined ? -1 : input.sites.findIndex((s) => s.id === job.currentSite);
    // Σx − c·Σz + c·p + u = remaining: p ≤ min(1, Σz) is the free first start of a queued job, u the unmet work.
    const workRow = model.addRow(job.remainingHours, job.remainingHours);
    const freeStartRow = job.state === 'queued' && checkpoint > 0 ? model.addRow(-infinity, 0) : -1; // p − Σz ≤ 0
    const oneSegmentRow = job.interruptible ? -1 : model.addRow(-infinity, 1); // Σz (+ continuing) ≤ 1
    // Σy − Σx < 1: it holds GPUs only for hours it works (one may be partial), never idles through a gap to save a
    // restore.
    const idleRow = model.addRow(-infinity, 1 - IDLE_TOLERANCE);
    const exclusiveRow = new Map<number, number>();
    if (windows[j].length > 1)
      for (const { from, to } of windows[j])
        // one site at a time
        for (let h = from; h < to; h++) if (!exclusiveRow.has(h)) exclusiveRow.set(h, model.addRow(-infinity, 1));
    // Only the job's last hour may be partial, as a plan's: L[h] ≥ 1 where it holds an hour after h (L[h] ≥ y[·,h+1],
    // L[h] ≥ L[h+1]; nothing pushes L up further), and x ≥ y + L − 1 makes every earlier hour held a whole one.
    const firstHour = Math.min(...windows[j].map((w) => w.from));
    const endHour = Math.max(...windows[j].map((w) => w.to));
    const laterRow = range(firstHour, endHour - 1, () => model.addRow(0, infinity)); // L[h] − Σs y[s,h+1] ≥ 0
    const chainRow = range(firstHour, endHour - 2, () => model.addRow(0, infinity)); // L[h] − L[h+1] ≥ 0
    const wholeRows = new Map<number, number[]>(); // per hour, x − y − L ≥ −1 at each site
    const first = columns.length;
    for (const { s, from, to, mw } of windows[j]) {
      // z[h] − y[h] + y[h−1] ≥ 0 (a start where it runs after not running there) and z[h] − y[h] ≤ 0.
      const continues = running && s === currentSite && from === 0;
      const startRow: number[] = [];
      const startOnlyRow: number[] = [];
      const linkRow: number[] = [];
      for (let h = from; h < to; h++) {
        startRow.push(model.addRow(continues && h === from ? -1 : 0, infinity));
        startOnlyRow.push(model.addRow(-infinity, 0));
        linkRow.push(model.addRow(-infinity, 0)); // x − y ≤ 0
      }
      for (let h = from; h < to; h++) {
        const k = h - from;
        const i = s * H + h;
        const wholeRow = model.addRow(-1, infinity);
        if (!wholeRows.has(h)) wholeRows.set(h, []);
        wholeRows.get(h)!.push(wholeRow);
        const yRows = [startRow[k], startOnlyRow[k], linkRow[k], gpuRow[i], idleRow, wholeRow];
        const yCoefficients = [-1, -1, -1, job.gpus, 1, -1];
        const add = (row: number, coefficient: number) =>
          row >= 0 && (yRows.push(row), yCoefficients.push(coefficient));
        if (k + 1 < to - from) add(startRow[k + 1], 1);
        add(importRow[i], mw);
        add(exclusiveRow.get(h) ?? -1, 1);
        add(laterRow[h - 1 - firstHour] ?? -1, -1);
        if (continues && k === 0) add(oneSegmentRow, 1);
        if (sh.peak[i]) add(peakRow, mw);
        const y = model.addColumn(sh.peak[i] ? STAGE_ONE_PEAK_PRICE * mw : 0, 1, yRows, yCoefficients, {
          integer: true,
        });
        const zRows = [startRow[k], startOnlyRow[k]];
        const zCoefficients = [1, 1];
        if (checkpoint > 0) {
          zRows.push(workRow);
          zCoefficients.push(-checkpoint);
        }
        if (freeStartRow >= 0) {
          zRows.push(freeStartRow);
          zCoefficients.push(-1);
        }
        if (oneSegmentRow >= 0) {
          zRows.push(oneSegmentRow);
          zCoefficients.push(1);
        }
        const z = model.addColumn(SEGMENT_TIE_BREAK, 1, zRows, zCoefficients, { integer: true });
        const x = model.addColumn(0, 1, [workRow, gridRow[i], linkRow[k], idleRow, wholeRow], [1, mw, 1, -1, 1]);
        columns.push({ j, s, h, y, z, x });
      }
    }
    const later = range(firstHour, endHour - 1, (h) => {
      const rows = [laterRow[h - firstHour], ...(wholeRows.get(h) ?? [])];
      const coefficients = [1, ...(wholeRows.get(h) ?? []).map(() => -1)];
      if (h + 1 < endHour - 1) {
        rows.push(chainRow[h - firstHour]);
        coefficients.push(1);
      }
      if (h > firstHour) {
        rows.push(chainRow[h - 1 - firstHour]);
        coefficients.push(-1);
      }
      return model.addColumn(0, 1, rows, coefficients);
    });
    // Its small reward makes p take its maximum, min(1, Σz): no checkpoint work is added where green is free.
    const freeStart =
      freeStartRow >= 0 ? model.addColumn(-SEGMENT_TIE_BREAK, 1, [workRow, freeStartRow], [checkpoint, 1]) : -1;
    jobColumns.push({
      later,
      firstHour,
      from: first,
      to: columns.length,
      unmet: model.addColumn(STAGE_ONE_UNMET_PENALTY, infinity, [workRow], [1]),
      freeStart,
    });
  });
  const firstGridColumn = model.numCols;
  for (let i = 0; i < S * H; i++) model.addColumn(sh.gridWeight[i], infinity, [gridRow[i]], [-1]);

  // Lexicographic, as the planner's cost (objective.ts): first the least work left out and the fewest peak MWh, then
  // the least weighted grid energy with those held. One model with the peak rule's 1e7 price would leave the grid
  // energy below the solver's tolerances (1e-7 of the objective): it would stop at any plan with the fewest peak MWh.
  const timeLimit = options.timeLimitSeconds ?? 60;
  const settings = { mip_rel_gap: 0, ...options.settings };
  // The planner's own plan is a feasible point: offered as the first incumbent, the search starts from it.
  const first = solveModel(
    highs,
    model,
    { ...settings, time_limit: timeLimit * STAGE_ONE_TIME_SHARE, mip_abs_gap: options.absoluteGap ?? 1e-5 },
    incumbentFrom(fixed),
  );
  let solution = first;
  let status = first.status;
  if (first.status !== 'not-solved') {
    const firstPeakMwh = columns.reduce(
      (sum, c) => sum + (sh.peak[c.s * H + c.h] && first.x[c.y] > 0.5 ? windows[c.j].find((w) => w.s === c.s)!.mw : 0),
      0,
    );
    model.rowUpper[peakRow] = firstPeakMwh + PEAK_TOLERANCE_MWH;
    for (const c of columns) model.colCost[c.y] = 0;
    for (const { unmet } of jobColumns) model.colUpper[unmet] = first.x[unmet];
    const second = solveModel(
      highs,
      model,
      {
        ...settings,
        time_limit: Math.max(1, timeLimit - (performance.now() - started) / 1000),
        mip_abs_gap: options.absoluteGap ?? 1e-5,
      },
      first.x,
    );
    if (second.status !== 'not-solved') solution = second;
    // Proven only when both stages are.
    status = first.status === 'optimal' ? second.status : 'time-limit';
  }
  /** Column values of `p`'s placements of the deferrable jobs (a job placed outside its window counts as unmet). */
  function incumbentFrom(p: Plan): Float64Array {
    const value = new Float64Array(model.numCols);
    const load = Float64Array.from(sh.loadMw);
    const byId = new Map(p.jobs.map((jp) => [jp.jobId, jp]));
    const siteIndex = new Map(input.sites.map((site, s) => [site.id, s]));
    deferrable.forEach((job, j) => {
      const { later, firstHour, from, to, unmet, freeStart } = jobColumns[j];
      const where = new Map<string, number>();
      for (let k = from; k < to; k++) where.set(`${columns[k].s}:${columns[k].h}`, k);
      const held = (byId.get(job.id)?.segments ?? []).flatMap((seg) =>
        Array.from({ length: seg.endHour - seg.startHour }, (_, d) =>
          where.get(`${siteIndex.get(seg.site)}:${seg.startHour + d}`),
        ),
      );
      if (held.length === 0 || held.some((k) => k === undefined)) {
        value[unmet] = job.remainingHours;
        return;
      }
      const checkpoint = job.checkpointMinutes / 60;
      let starts = 0;
      held.forEach((k, n) => {
        const previous = n > 0 ? columns[held[n - 1]!] : undefined;
        const c = columns[k!];
        const continuing = n === 0 && job.state === 'running' && c.h === 0 && input.sites[c.s].id === job.currentSite;
        if (!continuing && !(previous && previous.s === c.s && previous.h === c.h - 1)) {
          value[c.z] = 1;
          starts++;
        }
        value[c.y] = 1;
      });
      if (freeStart >= 0) value[freeStart] = 1;
      const lastHour = Math.max(...held.map((k) => columns[k!].h));
      later.forEach((column, d) => (value[column] = firstHour + d < lastHour ? 1 : 0));
      let left = job.remainingHours + checkpoint * (starts - (freeStart >= 0 ? 1 : 0));
      for (const k of held) {
        const c = columns[k!];
        value[c.x] = Math.min(1, left);
        left -= value[c.x];
        load[c.s * H + c.h] += windows[j].find((w) => w.s === c.s)!.mw * value[c.x];
      }
    });
    for (let i = 0; i < S * H; i++) value[firstGridColumn + i] = Math.max(0, load[i] - sh.greenMw[i]);
    return value;
  }

  const binaries = model.integer.reduce((n, k) => n + k, 0);
  const solveMs = () => performance.now() - started;
  if (status === 'not-solved') {
    return {
      status: 'not-solved',
      ...UNSOLVED_FIGURES,
      pauses: NaN,
      checkpointMwh: NaN,
      mipGap: NaN,
      absoluteGap: NaN,
      variables: model.numCols,
      binaries,
      solveMs: solveMs(),
      jobs: [],
    };
  }

  // Accounting as a plan does: the deferrable load on top of the fixed load, then energy by source.
  const { x: value } = solution;
  const on = (column: number) => value[column] > 0.5;
  let deferrablePeakHours = 0,
    deferrablePeakMwh = 0,
    unmetWorkHours = 0,
    pauses = 0,
    checkpointMwh = 0;
  const jobs = deferrable.map((job, j) => {
    const { from, to, unmet } = jobColumns[j];
    const held: { site: string; hour: number }[] = [];
    let starts = 0;
    let firstMw = 0;
    for (let k = from; k < to; k++) {
      const { s, h, y, z, x } = columns[k];
      const i = s * H + h;
      sh.loadMw[i] += windows[j].find((w) => w.s === s)!.mw * value[x];
      if (on(y)) {
        held.push({ site: input.sites[s].id, hour: h });
        if (sh.peak[i]) {
          deferrablePeakHours++;
          deferrablePeakMwh += windows[j].find((w) => w.s === s)!.mw;
        }
        if (firstMw === 0) firstMw = windows[j].find((w) => w.s === s)!.mw;
      }
      if (on(z)) starts++;
    }
    held.sort((a, b) => a.hour - b.hour);
    unmetWorkHours += value[unmet];
    const restores = job.state === 'queued' ? Math.max(0, starts - 1) : starts;
    checkpointMwh += restores * (job.checkpointMinutes / 60) * firstMw;
    const continuing = job.state === 'running' && held[0]?.hour === 0 && held[0].site === job.currentSite;
    const segments = starts + (continuing ? 1 : 0);
    // As the planner counts: gaps between segments, plus a stop now for a running job that does not continue.
    const jobPauses = Math.max(0, segments - 1) + (job.state === 'running' && !continuing ? 1 : 0);
    pauses += jobPauses;
    return { jobId: job.id, hours: held, segments, pauses: jobPauses };
  });
  return {
    status,
    ...sh.meter(),
    deferrablePeakHours,
    deferrablePeakMwh,
    unmetWorkHours,
    pauses,
    checkpointMwh,
    mipGap: status === 'optimal' ? Math.max(0, solution.mipGap) : solution.mipGap,
    absoluteGap: solution.objective - solution.dualBound,
    variables: model.numCols,
    binaries,
    solveMs: solveMs(),
    jobs,
  };
}

/** f(h) for h from `from` up to (not including) `to`. */
function range<T>(from: number, to: number, f: (h: number) => T): T[] {
  return Array.from({ length: Math.max(0, to - from) }, (_, d) => f(from + d));
}
