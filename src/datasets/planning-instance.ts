import { peakFromLoad } from '../domain/energy/peak-hours.js';
import { jobPowerMw } from '../domain/energy/power.js';
import { renewableMw, siteGreenMw } from '../domain/energy/site-supply.js';
import type { PlanInput, PlanJob, PlanSite } from '../domain/planner/plan-types.js';
import { seededRandom } from '../domain/seeded-random.js';
import { TraceJob } from './itp-trace.js';
import { ZoneSeries } from './opsd.js';

/**
 * A planning instance built from the bundled real data, by stated rules (README, "Benchmarks"):
 * - each OPSD control area is a zone (Europe/Berlin) with `sitesPerZone` sites of `gpusPerSite`
 *   GPUs at 0.7 kW per GPU and PUE 1.2;
 * - a site's green supply is a fixed share of its zone's wind + solar, sized so that on average it
 *   covers `greenCoverage` of the site's full power (no surplus share);
 * - peak hours: load within 8% of the local day's maximum;
 * - jobs: trace jobs with their GPUs and durations, submitted at `start` + their trace offset;
 *   deadline = submission + max(2 × duration, duration + 12 h); every 10th job is not deferrable,
 *   every 5th of the rest not interruptible; checkpoints cost 10 minutes. Jobs whose deadline falls
 *   after the horizon are left out (counted in `excluded`).
 */
export interface InstanceOptions {
  zones: ZoneSeries[];
  trace: TraceJob[];
  sitesPerZone: number;
  gpusPerSite: number;
  greenCoverage?: number;
}

export const KW_PER_GPU = 0.7;
export const PUE = 1.2;
const PEAK_WITHIN = 0.08;

export function realDataInstance(options: InstanceOptions): { input: PlanInput; excluded: number } {
  const { zones, trace, sitesPerZone, gpusPerSite, greenCoverage = 0.6 } = options;
  const start = zones[0].start;
  const hours = zones[0].loadMw.length;
  const siteMaxMw = jobPowerMw(gpusPerSite, KW_PER_GPU, PUE);
  const sites: PlanSite[] = zones.flatMap((zone) => {
    let meanRenewable = 0;
    for (let h = 0; h < hours; h++) meanRenewable += renewableMw(zone, h) / hours;
    const signals = {
      greenMw: siteGreenMw(zone, { renewableShare: (greenCoverage * siteMaxMw) / meanRenewable, surplusShare: 0 }, siteMaxMw),
      peak: peakFromLoad(start, zone.loadMw, 'Europe/Berlin', PEAK_WITHIN),
    };
    return Array.from({ length: sitesPerZone }, (_, k) => ({ id: `${zone.zone}-${k + 1}`, timeZone: 'Europe/Berlin', gpus: gpusPerSite, kwPerGpu: KW_PER_GPU, pue: PUE, signals }));
  });
  const end = start.plus({ hours });
  let excluded = 0;
  const jobs: PlanJob[] = [];
  trace.forEach((t, k) => {
    const submitted = start.plus({ seconds: t.submitSeconds });
    const runtimeHours = t.durationSeconds / 3600;
    const deadline = submitted.plus({ hours: Math.max(2 * runtimeHours, runtimeHours + 12) });
    if (deadline > end || t.gpus > gpusPerSite) {
      excluded++;
      return;
    }
    const deferrable = k % 10 !== 0;
    jobs.push({
      id: t.id, gpus: t.gpus, remainingHours: runtimeHours, earliestStart: submitted, submittedAt: submitted, deadline,
      deferrable, interruptible: !deferrable || k % 5 !== 0, checkpointMinutes: 10, priority: 5, state: 'queued',
    });
  });
  return { input: { start, hours, sites, jobs }, excluded };
}

/** `count` jobs drawn from the trace (GPUs, durations) with submissions spread over `withinSeconds`. */
export function scaledTrace(trace: TraceJob[], count: number, withinSeconds: number, seed: number): TraceJob[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, (_, k) => {
    const t = trace[Math.floor(random() * trace.length)];
    return { ...t, id: `${t.id}-${k}`, submitSeconds: Math.floor(random() * withinSeconds) };
  }).sort((a, b) => a.submitSeconds - b.submitSeconds);
}
