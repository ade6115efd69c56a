import { peakPenalty } from './objective.js';
import { Candidate, EPSILON, onTime, Task } from './plan-task.js';
import type { SiteHours } from './site-hours.js';

/**
 * Moves in one chain at most, and Bellman-Ford rounds over the GPU sizes at most (within the work budget
 * `PlanOptions.chainWorkUnits`; plans of more than CHAIN_MAX_JOBS skip the chains). Each round prices its chains on
 * the plan as it was, so gains come over many rounds: on the static load-derived week round 40 still keeps some
 * (objective 18.4 with 20 rounds and 20M work units, 11.8 with 40 rounds and 120M, no chain skipped; session 31).
 */
const CHAIN_DEPTH = 5;
const CHAIN_ROUNDS = 40;

/** What the chains need of the planner: its site-hours, and a job's placement rules and costs. */
export interface ChainPlanner {
  readonly hours: number;
  readonly siteHours: SiteHours;
  checkpointCost(task: Task, hours: Int32Array, sites: Int32Array, totalWork: number): number;
  firstHourAt(task: Task, s: number): number;
  movedHour(task: Task, old: Candidate, fromH: number, fromS: number, toH: number, toS: number): Candidate | undefined;
  peakMwh(task: Task, candidate: Candidate): number;
  reserve(task: Task, candidate: Candidate, sign: 1 | -1): void;
}

/**
 * Ejection chains: the moves that greedy placement, single-job moves and the search do not find (a job out of
 * Tuesday's overloaded peak into Wednesday's night, the job there into Thursday's, …, one into Saturday's sunny
 * peak). For each job size, a Bellman-Ford of at most CHAIN_DEPTH moves over the site-hours: a move takes one hour
 * of a job of that size from site-hour a to b in its window; where another job of the same size moves on from b,
 * b's load is as it was, so only the chain's first hour (freed: grid energy saved) and its last (filled, where the
 * job fits) change, besides each move's peak rule and checkpoints. A chain starts at an hour drawing grid power or
 * (in a first plan) at a peak hour: one covered by green supply still holds peak MWh, which the peak rule
 * prices first (until session 34 chains started only where grid power was drawn, and left 1.24 peak MWh on the
 * fixed-peak PPA week). The cheapest chains are applied one by one and kept where every hour they touch fits and
 * the objective (weighted grid energy, peak rule, checkpoint energy), evaluated exactly, falls. Jobs keep their
 * rules: their window, due hour (or their finish, if later), deadline, committed hours, one block for a job that may
 * not pause (which only shifts), minSegmentHours; late jobs, capped ones and fixed work do not move.
 */
export function runChains(
  planner: ChainPlanner,
  tasks: Task[],
  placements: (Candidate | undefined)[],
  firstPlan: boolean,
  workUnits: number,
): void {
  const H = planner.hours;
  const sh = planner.siteHours;
  const movable = (u: number) => {
    const c = placements[u];
    return !!c && tasks[u].job.deferrable && !c.fractions && onTime(tasks[u], c);
  };
  const sizes = [...new Set(tasks.filter((_, u) => movable(u)).map((t) => t.job.gpus))].sort((a, b) => b - a);
  // Who holds each site-hour among the movable jobs: all of them (room across sizes), and those of each size (the
  // chains of that size; in the same order, so ties resolve as in the list of all).
  const hourLists = () => Array.from({ length: sh.loadMw.length }, (): number[] => []);
  const at = hourLists();
  const atOfSize = new Map(sizes.map((gpus) => [gpus, hourLists()]));
  const index = (u: number, c: Candidate, sign: 1 | -1) => {
    const ofSize = atOfSize.get(tasks[u].job.gpus)!;
    for (let k = tasks[u].committed; k < c.hours.length; k++) {
      const i = c.sites[k] * H + c.hours[k];
      for (const list of [at[i], ofSize[i]])
        if (sign > 0) list.push(u);
        else list.splice(list.indexOf(u), 1);
    }
  };
  for (let u = 0; u < tasks.length; u++) if (movable(u)) index(u, placements[u]!, 1);
  const slotCost = (i: number) => sh.gridWeight[i] * Math.max(0, sh.loadMw[i] - sh.greenMw[i]);
  const jobTerm = (u: number, c: Candidate) =>
    planner.checkpointCost(tasks[u], c.hours, c.sites, c.totalWork) +
    (tasks[u].job.deferrable ? peakPenalty(planner.peakMwh(tasks[u], c)) : 0);
  const base = new Map<number, number>();
  const moves: { u: number; from: Candidate; to: Candidate }[] = [];
  let jobDelta = 0;
  let budget = workUnits;
  const touch = (c: Candidate) => {
    for (let k = 0; k < c.hours.length; k++) {
      const i = c.sites[k] * H + c.hours[k];
      if (!base.has(i)) base.set(i, slotCost(i));
    }
  };
  const apply = (u: number, to: Candidate) => {
    const from = placements[u]!;
    touch(from);
    touch(to);
    jobDelta += jobTerm(u, to) - jobTerm(u, from);
    planner.reserve(tasks[u], from, -1);
    planner.reserve(tasks[u], to, 1);
    placements[u] = to;
    moves.push({ u, from, to });
    budget -= from.hours.length + to.hours.length;
  };
  // The moves applied since the last kept or undone are kept: the index of who holds each site-hour follows them.
  const keepMoves = () => {
    for (const { u, from, to } of moves) {
      index(u, from, -1);
      index(u, to, 1);
    }
    moves.length = 0;
  };
  // The moves applied since `mark` are undone: the site-hours go back exactly, each job to where it was.
  const undoMoves = (mark: number) => {
    sh.undoTo(mark);
    while (moves.length > 0) {
      const { u, from } = moves.pop()!;
      placements[u] = from;
    }
  };
  const delta = () => {
    let d = jobDelta;
    for (const [i, before] of base) d += slotCost(i) - before;
    return d;
  };
  const feasible = () => {
    for (const i of base.keys())
      if (sh.gpusFree[i] < 0 || sh.drawMw[i] - sh.greenMw[i] > sh.importCapMw[i] + 1e-9) return false;
    return true;
  };
  // Each job's hours as `ChainScan.held` reads them, kept while its placement stays the same (a chain's scan reads
  // them once for every hour of the job it starts from: marked afresh each time, they were a sixth of its time).
  const heldBy: ({ c: Candidate; held: Int32Array } | undefined)[] = [];
  const hoursHeldBy = (u: number): Int32Array => {
    const c = placements[u]!;
    let entry = heldBy[u];
    if (entry?.c === c) return entry.held;
    if (!entry) heldBy[u] = entry = { c, held: new Int32Array(H) };
    for (let k = 0; k < entry.c.hours.length; k++) entry.held[entry.c.hours[k]] = 0;
    for (let k = 0; k < c.hours.length; k++) entry.held[c.hours[k]] = c.sites[k] + 1;
    entry.c = c;
    return entry.held;
  };
  const SH = sh.loadMw.length;
  const D = CHAIN_DEPTH;
  const dist = new Float64Array((D + 1) * SH);
  const predSlot = new Int32Array((D + 1) * SH);
  const predJob = new Int32Array((D + 1) * SH);
  const best = new Float64Array(SH);
  const scan: ChainScan = {
    H,
    held: new Int32Array(H),
    peak: sh.peak,
    energyWeight: sh.energyWeight,
    dist,
    best,
    predSlot,
    predJob,
    next: [],
    inNext: new Int32Array(SH),
    layer: 0,
  };

  // One Bellman-Ford of at most D moves over the site-hours for jobs of `gpus` GPUs: every move of one hour of such a
  // job from a to b leaves a's load and b's load as they were wherever a job of the same size moves on from b; only
  // the chain's first hour (freed) and last (filled) change, and its moves' peak rule and checkpoints.
  const chainsOf = (gpus: number): number => {
    const atSize = atOfSize.get(gpus)!;
    const mwAt = tasks.find((t) => t.job.gpus === gpus)!.powerMw;
    dist.fill(Infinity);
    best.fill(Infinity);
    let frontier: number[] = [];
    for (let i = 0; i < SH; i++) {
      const excess = sh.loadMw[i] - sh.greenMw[i];
      // A chain starts where an hour freed saves grid energy, or (in a first plan) a peak hour, on green or not.
      if ((excess <= EPSILON && !(firstPlan && sh.peak[i])) || atSize[i].length === 0) continue;
      const mw = mwAt[Math.floor(i / H)];
      dist[i] = -sh.gridWeight[i] * (Math.max(0, excess) - Math.max(0, excess - mw));
      best[i] = dist[i];
      frontier.push(i);
    }
    const sinks: { r: number; b: number; cost: number }[] = [];
    for (let r = 0; r < D && frontier.length > 0; r++) {
      const next: number[] = [];
      scan.next = next;
      scan.layer++;
      const from = r * SH;
      const to = (r + 1) * SH;
      for (const a of frontier) {
        const da = dist[from + a];
        // Past the first move only chains that gain so far go on; a first move out of a peak hour gains its exit.
        if (!(da < -EPSILON) && !(r === 0 && firstPlan && sh.peak[a])) continue;
        const ha = a % H;
        const sa = (a - ha) / H;
        for (const u of atSize[a]) {
          const task = tasks[u];
          budget -= H;
          const old = placements[u]!;
          const held = hoursHeldBy(u);
          // Checkpoints: the pauses the move adds or saves, each priced as an hour of checkpoint energy at weight 1.
          const left = ha > 0 && held[ha - 1] === sa + 1;
          const right = ha + 1 < H && held[ha + 1] === sa + 1;
          const removed = left && right ? 1 : !left && !right ? -1 : 0;
          held[ha] = 0;
          scan.held = held;
          const exit = sh.peak[a] ? peakPenalty(task.powerMw[sa]) : 0;
          const room = old.hours.length - old.totalWork;
          const latest = chainLatest(task, old);
          const ck = task.checkpointHours;
          const mw = task.powerMw;
          const cost = da - exit;
          // Moves to [from, until) at site s (plain calls: a closure for each job here took a tenth of the scan).
          if (task.job.interruptible) {
            for (const s of task.sites) {
              const from = Math.max(planner.firstHourAt(task, s), task.committed);
              relaxHours(scan, s, from, latest, cost, removed, ck, mw[s], room + EPSILON, a, u, to);
            }
          } else {
            // One block: its first hour moves past its last, or its last before its first.
            const first = old.hours[0];
            const last = old.hours[old.hours.length - 1];
            if (ha === first && last + 1 < latest)
              relaxHours(scan, sa, last + 1, last + 2, cost, removed, ck, mw[sa], room + EPSILON, a, u, to);
            if (ha === last && first - 1 >= Math.max(planner.firstHourAt(task, sa), task.committed))
              relaxHours(scan, sa, first - 1, first, cost, removed, ck, mw[sa], room + EPSILON, a, u, to);
          }
          held[ha] = sa + 1;
        }
      }
      for (const b of next) {
        const mw = mwAt[Math.floor(b / H)];
        if (!sh.fits(b, gpus, mw)) continue;
        const excess = sh.loadMw[b] - sh.greenMw[b];
        const cost = dist[to + b] + sh.gridWeight[b] * (Math.max(0, excess + mw) - Math.max(0, excess));
        if (cost < -EPSILON) sinks.push({ r: r + 1, b, cost });
      }
      frontier = next;
    }
    sinks.sort((x, y) => x.cost - y.cost || x.b - y.b);
    let kept = 0;
    // A chain through site-hours or jobs that one kept before it changed was priced on what they were; it is tried
    // all the same, as each is evaluated exactly before it is kept. Skipping such chains (before session 31) kept
    // about half as many a round on the load-derived week (23, 18, 12 … against 44, 39, 27 …).
    for (const sink of sinks) {
      if (budget <= 0) break;
      // The chain's moves, first to last.
      const steps: { u: number; a: number; b: number }[] = [];
      for (let r = sink.r, b = sink.b; r > 0; r--) {
        const a = predSlot[r * SH + b];
        const u = predJob[r * SH + b];
        steps.unshift({ u, a, b });
        b = a;
      }
      base.clear();
      jobDelta = 0;
      const mark = sh.mark();
      let ok = true;
      for (const { u, a, b } of steps) {
        const old = placements[u];
        const to =
          old && movable(u)
            ? planner.movedHour(tasks[u], old, a % H, Math.floor(a / H), b % H, Math.floor(b / H))
            : undefined;
        if (!to) {
          ok = false;
          break;
        }
        apply(u, to);
      }
      if (ok && feasible() && delta() < -EPSILON) {
        sh.keep();
        keepMoves();
        kept++;
      } else undoMoves(mark);
    }
    return kept;
  };

  // Room across sizes, where the chains (one size each) find no more: a peak hour of a job moves to an off-peak hour
  // that lacks GPUs for it, and jobs there of any size (largest first) move on to off-peak hours with room in their
  // windows, each to its cheapest. `onwards` caches each site-hour's movers until a kept move changes the plan.
  const onwards = new Map<number, { v: number; to: Candidate }[]>();
  const movesOnFrom = (b: number) => {
    const cached = onwards.get(b);
    if (cached) return cached;
    const list: { v: number; to: Candidate }[] = [];
    const hb = b % H;
    const sb = (b - hb) / H;
    for (const v of at[b]) {
      const task = tasks[v];
      const old = placements[v]!;
      if (!task.job.interruptible) continue;
      const latest = chainLatest(task, old);
      let bestCost = Infinity;
      let bestTo: Candidate | undefined;
      for (const s of task.sites)
        for (let h = Math.max(planner.firstHourAt(task, s), task.committed); h < latest; h++) {
          const d = s * H + h;
          if (sh.peak[d] || holdsHour(old, h) || !sh.fits(d, task.job.gpus, task.powerMw[s])) continue;
          const excess = sh.loadMw[d] - sh.greenMw[d];
          const cost = sh.gridWeight[d] * (Math.max(0, excess + task.powerMw[s]) - Math.max(0, excess));
          if (cost >= bestCost) continue;
          budget -= 1;
          const to = planner.movedHour(task, old, hb, sb, h, s);
          if (to) [bestCost, bestTo] = [cost, to];
        }
      if (bestTo) list.push({ v, to: bestTo });
    }
    list.sort((x, y) => tasks[y.v].job.gpus - tasks[x.v].job.gpus);
    onwards.set(b, list);
    return list;
  };
  // Tries each off-peak hour of u's window for its peak hour k (u holds none of them, so none moves u on); true
  // where a move was kept.
  const roomFor = (u: number, k: number): boolean => {
    const task = tasks[u];
    const old = placements[u]!;
    const latest = chainLatest(task, old);
    for (const s of task.sites)
      for (let h = Math.max(planner.firstHourAt(task, s), task.committed); h < latest && budget > 0; h++) {
        const b = s * H + h;
        if (sh.peak[b] || holdsHour(old, h)) continue;
        const movers: { v: number; to: Candidate }[] = [];
        let freed = sh.gpusFree[b];
        for (const m of freed < task.job.gpus ? movesOnFrom(b) : []) {
          if (freed >= task.job.gpus) break;
          movers.push(m);
          freed += tasks[m.v].job.gpus;
        }
        if (freed < task.job.gpus) continue;
        budget -= H;
        const to = planner.movedHour(task, old, old.hours[k], old.sites[k], h, s);
        if (!to) continue;
        base.clear();
        jobDelta = 0;
        const mark = sh.mark();
        for (const m of movers) apply(m.v, m.to);
        apply(u, to);
        if (feasible() && delta() < -EPSILON) {
          sh.keep();
          keepMoves();
          onwards.clear();
          return true;
        }
        undoMoves(mark);
      }
    return false;
  };
  const roomAcrossSizes = (): number => {
    let kept = 0;
    for (let u = 0; u < tasks.length && budget > 0; u++) {
      if (!movable(u)) continue;
      let k = tasks[u].committed;
      while (k < placements[u]!.hours.length && budget > 0) {
        const c = placements[u]!;
        if (!sh.peak[c.sites[k] * H + c.hours[k]] || !roomFor(u, k)) k++;
        else {
          // A kept move changed its hours: look at them again.
          kept++;
          k = tasks[u].committed;
        }
      }
    }
    return kept;
  };

  for (let round = 0; round < CHAIN_ROUNDS && budget > 0; round++) {
    let kept = 0;
    for (const gpus of sizes) if (budget > 0) kept += chainsOf(gpus);
    if (kept === 0 && budget > 0 && firstPlan) kept = roomAcrossSizes();
    if (kept === 0) break;
  }
}

/** The hour a chain's move may not finish u after: its due hour, or the finish it has if that is later. */
export function chainLatest(task: Task, old: Candidate): number {
  return Math.min(task.deadlineHour, Math.ceil(Math.max(task.dueHour, old.finishHour) - EPSILON));
}

/** The arrays a chain layer's scan reads and writes (see `relaxHours`). */
interface ChainScan {
  H: number;
  /** Site + 1 at each hour the moving job holds (0 where it holds none, and at the hour it moves). */
  held: Int32Array;
  peak: Uint8Array;
  energyWeight: Float64Array;
  dist: Float64Array;
  best: Float64Array;
  predSlot: Int32Array;
  predJob: Int32Array;
  /** The site-hours reached in this layer, in the order first reached; `inNext` marks them with `layer`. */
  next: number[];
  inNext: Int32Array;
  layer: number;
}

/**
 * One move of job u's hour at a to each free hour [h0, latest) of site s (for a block that may not pause, the one hour
 * past its end or before its start): the chain's cost so far (`costBefore`: its gain, less the peak rule of the hour
 * left), the hour's peak rule and the pauses the move adds (`removed`: those it saves at a) at the job's checkpoint
 * energy. Kept where cheaper than any chain to that site-hour before (`best` is never above any layer's `dist`).
 * A plain function over typed arrays: the chains' hottest loop (67M hours on the reference week).
 */
function relaxHours(
  scan: ChainScan,
  s: number,
  h0: number,
  latest: number,
  costBefore: number,
  removed: number,
  checkpointHours: number,
  mw: number,
  room: number,
  a: number,
  u: number,
  to: number,
): void {
  const { H, held, peak, energyWeight, dist, best, predSlot, predJob, next, inNext, layer } = scan;
  const s1 = s + 1;
  const peakCost = peakPenalty(mw);
  // The move's pauses by whether u holds both hours beside h at s (one fewer), neither (one more) or one; a pause
  // more needs room for its checkpoint in the hours it has (the move keeps their number).
  const segmentsBoth = removed - 1;
  const segmentsNeither = removed + 1;
  const okBoth = !(segmentsBoth > 0 && segmentsBoth * checkpointHours > room);
  const okOne = !(removed > 0 && removed * checkpointHours > room);
  const okNeither = !(segmentsNeither > 0 && segmentsNeither * checkpointHours > room);
  const ckBoth = segmentsBoth * checkpointHours * mw;
  const ckOne = removed * checkpointHours * mw;
  const ckNeither = segmentsNeither * checkpointHours * mw;
  // Who holds the hours before, at and after h, rolled along (one read an hour).
  let before = h0 > 0 ? held[h0 - 1] : 0;
  let here = h0 < H ? held[h0] : 0;
  for (let h = h0, b = s * H + h0; h < latest; h++, b++) {
    const after = h + 1 < H ? held[h + 1] : 0;
    if (here === 0) {
      const l = before === s1;
      const r = after === s1;
      if (l && r ? okBoth : l || r ? okOne : okNeither) {
        const cost =
          costBefore + (peak[b] ? peakCost : 0) + (l && r ? ckBoth : l || r ? ckOne : ckNeither) * energyWeight[b];
        // A site-hour is reached again only on a cheaper chain than any before (fewer moves or not).
        if (cost < best[b] - EPSILON) {
          dist[to + b] = cost;
          best[b] = cost;
          predSlot[to + b] = a;
          predJob[to + b] = u;
          if (inNext[b] !== layer) {
            inNext[b] = layer;
            next.push(b);
          }
        }
      }
    }
    before = here;
    here = after;
  }
}

/** Whether the placement holds hour h, at any site. */
function holdsHour(candidate: Candidate, h: number): boolean {
  for (let k = 0; k < candidate.hours.length; k++) if (candidate.hours[k] === h) return true;
  return false;
}
