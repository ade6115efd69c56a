import type { DateTime } from 'luxon';
import { peakFromLoad, peakFromWindows, PeakWindow } from '../domain/energy/peak-hours.js';
import type { PowerCurve } from '../domain/energy/power-curve.js';
import { jobPowerMw } from '../domain/energy/power.js';
import { renewableMw, siteGreenMw, SupplyContract, surplusMw } from '../domain/energy/site-supply.js';
import type { PlanInput, PlanJob, PlanSite } from '../domain/planner/plan-types.js';
import { seededRandom } from '../domain/seeded-random.js';
import { TraceJob } from './itp-trace.js';
import { ZoneSeries } from './opsd.js';

/**
 * A planning instance built from the bundled real data, by stated rules (docs/planner-benchmark.md):
 * - each OPSD control area is a zone (Europe/Berlin) with `sitesPerZone` sites of `gpusPerSite`
 *   GPUs (or, with `siteGpus`, one site per zone of the given size) at 0.7 kW per GPU and PUE 1.2;
 * - a site's green supply (`supply`): a contracted share of its zone's wind + solar (a PPA) sized so
 *   that on average it covers `ppaCoverage` of the site's full power, plus a share of the zone's
 *   surplus (renewables beyond load) sized so that on average it covers `surplusCoverage` (nothing
 *   in a zone without surplus); capped at the site's full power. Default: `greenCoverage` (0.6) PPA;
 * - peak hours (`peak`): local windows (Europe/Berlin) and/or hours whose load is within `loadWithin`
 *   of the local day's maximum; default load within 8%;
 * - jobs: trace jobs with their GPUs and durations, submitted at `start` + their trace offset;
 *   deadline = submission + max(2 × duration, duration + 12 h); every 10th job is not deferrable,
 *   every 5th of the rest not interruptible; checkpoints cost 10 minutes. Jobs whose deadline falls
 *   after the horizon, or larger than every site, are left out (counted in `excluded`).
 */
export interface InstanceOptions {
  zones: ZoneSeries[];
  trace: TraceJob[];
  sitesPerZone: number;
  gpusPerSite: number;
  /** One site per zone with these GPUs (zone k gets siteGpus[k]); overrides sitesPerZone and gpusPerSite. */
  siteGpus?: readonly number[];
  greenCoverage?: number;
  supply?: SupplyRule;
  peak?: PeakRule;
}

/** How much of a site's full power its green supply covers on average, by source. */
export interface SupplyRule {
  ppaCoverage: number;
  surplusCoverage: number;
}

export interface PeakRule {
  windows?: readonly PeakWindow[];
  loadWithin?: number;
}

export const KW_PER_GPU = 0.7;
export const PUE = 1.2;
const PEAK_WITHIN = 0.08;

export function realDataInstance(options: InstanceOptions): {
  input: PlanInput;
  excluded: number;
  contracts: SupplyContract[];
} {
  const { zones, trace, greenCoverage = 0.6 } = options;
  const supply = options.supply ?? { ppaCoverage: greenCoverage, surplusCoverage: 0 };
  const peakRule = options.peak ?? { loadWithin: PEAK_WITHIN };
  const start = zones[0].start;
  const hours = zones[0].loadMw.length;
  const layout = options.siteGpus
    ? options.siteGpus.map((gpus, k) => ({ zone: zones[k], gpus, id: `${zones[k].zone}-1` }))
    : zones.flatMap((zone) =>
        Array.from({ length: options.sitesPerZone }, (_, k) => ({
          zone,
          gpus: options.gpusPerSite,
          id: `${zone.zone}-${k + 1}`,
        })),
      );
  const contracts: SupplyContract[] = [];
  const sites: PlanSite[] = layout.map(({ zone, gpus, id }) => {
    const contract = supplyContract(zone, supply, jobPowerMw(gpus, KW_PER_GPU, PUE));
    contracts.push(contract);
    const signals = {
      greenMw: siteGreenMw(zone, contract, jobPowerMw(gpus, KW_PER_GPU, PUE)),
      peak: peakFlags(zone, peakRule),
    };
    return { id, timeZone: TIME_ZONE, gpus, kwPerGpu: KW_PER_GPU, pue: PUE, signals };
  });
  const largest = Math.max(...sites.map((s) => s.gpus));
  const end = start.plus({ hours });
  let excluded = 0;
  const jobs: PlanJob[] = [];
  trace.forEach((t, k) => {
    const submitted = start.plus({ seconds: t.submitSeconds });
    const runtimeHours = t.durationSeconds / 3600;
    const deadline = submitted.plus({ hours: Math.max(2 * runtimeHours, runtimeHours + 12) });
    if (deadline > end || t.gpus > largest) {
      excluded++;
      return;
    }
    const deferrable = k % 10 !== 0;
    jobs.push({
      id: t.id,
      gpus: t.gpus,
      remainingHours: runtimeHours,
      earliestStart: submitted,
      submittedAt: submitted,
      deadline,
      deferrable,
      interruptible: !deferrable || k % 5 !== 0,
      checkpointMinutes: 10,
      priority: 5,
      state: 'queued',
    });
  });
  return { input: { start, hours, sites, jobs }, excluded, contracts };
}

const TIME_ZONE = 'Europe/Berlin';

/**
 * A site's shares of its zone's renewables and surplus, sized by `rule` over the zone's hours (each
 * share at most 1).
 */
export function supplyContract(zone: ZoneSeries, rule: SupplyRule, siteMaxMw: number): SupplyContract {
  const hours = zone.loadMw.length;
  let meanRenewable = 0;
  let meanSurplus = 0;
  for (let h = 0; h < hours; h++) {
    meanRenewable += renewableMw(zone, h) / hours;
    meanSurplus += surplusMw(zone, h) / hours;
  }
  const share = (coverage: number, mean: number) =>
    coverage > 0 && mean > 0 ? Math.min(1, (coverage * siteMaxMw) / mean) : 0;
  return {
    renewableShare: share(rule.ppaCoverage, meanRenewable),
    surplusShare: share(rule.surplusCoverage, meanSurplus),
  };
}

/** Peak flags of a zone by the rule: windows, load-derived hours, or both. */
export function peakFlags(zone: ZoneSeries, rule: PeakRule): Uint8Array {
  const hours = zone.loadMw.length;
  const flags = rule.windows?.length
    ? peakFromWindows(zone.start, hours, TIME_ZONE, rule.windows)
    : new Uint8Array(hours);
  if (rule.loadWithin !== undefined)
    peakFromLoad(zone.start, zone.loadMw, TIME_ZONE, rule.loadWithin).forEach((flag, h) => flag && (flags[h] = 1));
  return flags;
}

/** `count` jobs drawn from the trace (GPUs, durations) with submissions spread over `withinSeconds`. */
export function scaledTrace(trace: TraceJob[], count: number, withinSeconds: number, seed: number): TraceJob[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, (_, k) => {
    const t = trace[Math.floor(random() * trace.length)];
    return { ...t, id: `${t.id}-${k}`, submitSeconds: Math.floor(random() * withinSeconds) };
  }).sort((a, b) => a.submitSeconds - b.submitSeconds);
}

/** The benchmark suite's week: Thursday 7 March 2019 (like the ITP trace's first day), 168 h. */
export const SUITE_FROM = '2019-03-07T00:00:00Z';
export const SUITE_HOURS = 168;
/** The reference: three zones, sites of 64, 96 and 128 GPUs, 1,480 jobs over five days. */
export const REFERENCE_ZONES = ['50hertz', 'amprion', 'tennet'] as const;
export const REFERENCE_GPUS = [64, 96, 128] as const;
export const REFERENCE_JOBS = 1480;
const EVENING: readonly PeakWindow[] = [{ from: '17:00', to: '22:00' }];

/** One instance of the benchmark suite, by its rules; built from the bundled data by `suiteInstance`. */
export interface SuiteSpec {
  name: string;
  /** Which rule it varies, in words. */
  description: string;
  zones: readonly string[];
  siteGpus: readonly number[];
  supply: SupplyRule;
  peak: PeakRule;
  jobs: number;
  /** Days over which the jobs' submissions are spread (seeded resample of the trace). */
  submitDays: number;
  hours: number;
  /** Jobs that declare a power curve (GPU power capping, #20); absent: none does. */
  flexible?: FlexibleJobs;
}

/** Every `every`-th job (by index in submission order, from the second) declares `curve`; the sites can cap power. */
export interface FlexibleJobs {
  curve: PowerCurve;
  every: number;
}

/** The example curve (#20): 70% of the power gives 90% of the throughput, 50% gives 70%. */
export const EXAMPLE_CURVE: PowerCurve = {
  minFraction: 0.5,
  throughput: [
    [1, 1],
    [0.7, 0.9],
    [0.5, 0.7],
  ],
};

const reference: SuiteSpec = {
  name: 'reference',
  description: 'load-derived peaks (10%), PPA 40% + surplus 30%, sites 64/96/128 GPUs, 1,480 jobs',
  zones: REFERENCE_ZONES,
  siteGpus: REFERENCE_GPUS,
  supply: { ppaCoverage: 0.4, surplusCoverage: 0.3 },
  peak: { loadWithin: 0.1 },
  jobs: REFERENCE_JOBS,
  submitDays: 5,
  hours: SUITE_HOURS,
};

/**
 * The static instances of the suite (every job known at hour 0, each waiting for its submission):
 * each varies one rule of the reference — peaks as fixed windows or load-derived; supply as PPA
 * share, surplus share or both; loose and tight capacity. Sites are unequal (64/96/128) throughout.
 */
export const SUITE: readonly SuiteSpec[] = [
  reference,
  {
    ...reference,
    name: 'fixed-peaks-ppa',
    description: 'peaks 17:00–22:00 Europe/Berlin, PPA 60%',
    supply: { ppaCoverage: 0.6, surplusCoverage: 0 },
    peak: { windows: EVENING },
  },
  {
    ...reference,
    name: 'load-peaks-ppa',
    description: 'load-derived peaks (10%), PPA 60%',
    supply: { ppaCoverage: 0.6, surplusCoverage: 0 },
  },
  {
    ...reference,
    name: 'surplus-only',
    description: 'load-derived peaks (10%), surplus 60% (zones without surplus get no green)',
    supply: { ppaCoverage: 0, surplusCoverage: 0.6 },
  },
  {
    ...reference,
    name: 'fixed-peaks-both',
    description: 'peaks 17:00–22:00, PPA 40% + surplus 30%',
    peak: { windows: EVENING },
  },
  {
    ...reference,
    name: 'loose-capacity',
    description: 'reference with twice the GPUs (128/192/256)',
    siteGpus: REFERENCE_GPUS.map((g) => 2 * g),
  },
  {
    ...reference,
    name: 'tight-capacity',
    description: 'reference with 1.1× the jobs (1,628)',
    jobs: Math.round(1.1 * REFERENCE_JOBS),
  },
  {
    ...reference,
    name: 'flexible-jobs',
    description: 'reference with every second job declaring a power curve (min 0.5; 0.7 → 0.9, 0.5 → 0.7 throughput)',
    flexible: { curve: EXAMPLE_CURVE, every: 2 },
  },
];

/**
 * The month of the rolling replay: March 2019 with the reference's rules; 3,000 jobs (about half the
 * reference's rate) keep its LP bound within the bench's time.
 */
export const MONTH: SuiteSpec = {
  ...reference,
  name: 'month',
  description: 'March 2019 (720 h), reference rules, 3,000 jobs over 26 days',
  jobs: 3000,
  submitDays: 26,
  hours: 720,
};

/**
 * Builds a suite instance from the bundled data: `zonesOf(from, hours)` reads the OPSD zones,
 * `trace` is ITP cluster04's jobs; the jobs are `spec.jobs` trace jobs resampled (seed 7) with runs
 * under 48 h, their submissions spread over `spec.submitDays`.
 */
export function suiteInstance(
  spec: SuiteSpec,
  zonesOf: (from: DateTime, hours: number) => ZoneSeries[],
  from: DateTime,
  trace: TraceJob[],
) {
  const zones = zonesOf(from, spec.hours);
  const byName = new Map(zones.map((z) => [z.zone, z]));
  const jobs = scaledTrace(
    trace.filter((t) => t.durationSeconds > 0 && t.durationSeconds < 48 * 3600),
    spec.jobs,
    spec.submitDays * 86_400,
    7,
  );
  const chosen = spec.zones.map((z) => byName.get(z)!);
  const built = realDataInstance({
    zones: chosen,
    trace: jobs,
    sitesPerZone: 1,
    gpusPerSite: 0,
    siteGpus: spec.siteGpus,
    supply: spec.supply,
    peak: spec.peak,
  });
  const flexible = spec.flexible;
  if (flexible) {
    // Without capsPower the planner never caps, curves or not.
    built.input.sites = built.input.sites.map((site) => ({ ...site, capsPower: true }));
    built.input.jobs = built.input.jobs.map((job, k) =>
      k % flexible.every === 1 ? { ...job, power: structuredClone(flexible.curve) } : job,
    );
  }
  return { ...built, zones: chosen };
}

/** The same instance with every power curve removed: the jobs may only run at full power or pause. */
export function pauseOnly(input: PlanInput): PlanInput {
  return { ...input, jobs: input.jobs.map(({ power: _curve, ...job }) => job) };
}

/**
 * A small instance for the exact MIP: `count` jobs of `input` submitted in the first half of an
 * `hours`-long slice from `offsetHours` whose deadline lies inside the slice (evenly picked in
 * submission order), each released at its submission; every job is known at hour 0 (a static
 * plan). The sites keep their signals for those hours, their GPUs (and green supply with them)
 * scaled so the slice's jobs load them as the full instance's jobs load the full sites — except
 * that the largest site holds at least the largest job.
 */
export function exactSlice(input: PlanInput, offsetHours: number, count = 40, hours = 48): PlanInput {
  const start = input.start.plus({ hours: offsetHours });
  const end = start.plus({ hours });
  const gpuHours = (jobs: readonly PlanJob[]) => jobs.reduce((sum, j) => sum + j.gpus * j.remainingHours, 0);
  const candidates = input.jobs
    .filter((j) => j.earliestStart >= start && j.earliestStart < start.plus({ hours: hours / 2 }) && j.deadline <= end)
    .sort((a, b) => a.earliestStart.toMillis() - b.earliestStart.toMillis());
  const step = Math.max(1, candidates.length / count);
  const jobs = Array.from({ length: Math.min(count, candidates.length) }, (_, k) => candidates[Math.floor(k * step)]);
  const fullLoad = gpuHours(input.jobs) / (input.hours * input.sites.reduce((sum, s) => sum + s.gpus, 0));
  const scale = gpuHours(jobs) / hours / fullLoad / input.sites.reduce((sum, s) => sum + s.gpus, 0);
  // Scaled in proportion; the largest site is raised to hold the largest job if it must (smaller
  // jobs' load then falls a little short).
  const sizes = input.sites.map((site) => Math.max(1, Math.round(site.gpus * scale)));
  const biggest = sizes.indexOf(Math.max(...sizes));
  sizes[biggest] = Math.max(sizes[biggest], ...jobs.map((j) => j.gpus));
  const sites = input.sites.map((site, s) => {
    const gpus = sizes[s];
    const k = gpus / site.gpus;
    const slice = (values: ArrayLike<number>, factor = 1) =>
      Float64Array.from({ length: hours }, (_, h) => factor * (values[offsetHours + h] ?? 0));
    return {
      ...site,
      gpus,
      signals: { greenMw: slice(site.signals.greenMw, k), peak: Uint8Array.from(slice(site.signals.peak)) },
    };
  });
  return { start, hours, sites, jobs, options: input.options };
}
