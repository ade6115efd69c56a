import type { DateTime } from 'luxon';
import { workLeft } from '../execution/job-run.js';
import type { Job } from '../jobs/job.js';
import type { SiteHourSignals } from '../signals/site-signals.js';
import { HOUR_MS } from '../time/hours.js';
import { parseInstant } from '../time/instant.js';
import type { PlanInput, PlanJob, PlanJobState, PlanSite } from './plan-types.js';

/** Hours the planner looks ahead: the service's, the admission check's and the replay's horizon. */
export const PLANNING_HORIZON_HOURS = 168;

/** What the planner needs of a configured site. */
export interface ConfiguredSite {
  id: string;
  zone: string;
  gpus: number;
  kwPerGpu: number;
  pue: number;
  /** The site can cap a job's GPU power (absent: it cannot). */
  capsPower?: boolean;
}

/** Where datasets live and how fast they reach each site (Gbit/s by site id). */
export interface DataRegion {
  id: string;
  linksGbps?: Record<string, number>;
}

/** What the planner is given besides the jobs: the hours it plans and the sites with their signals. */
export interface PlanningWorld {
  /** The start of the current hour: hour 0 of the plan. */
  start: DateTime;
  now: DateTime;
  hours: number;
  sites: readonly ConfiguredSite[];
  signals: Map<string, SiteHourSignals>;
  timeZoneOf: (zone: string) => string;
  dataRegions: readonly DataRegion[];
  /** A plan was already made in this hour: its decisions for the hour stand (see PlanInput.hourDecided). */
  hourDecided?: boolean;
}

/** The planner's input from what the service stores: jobs not yet finished, each site with its hourly signals. */
export function planInputFrom(world: PlanningWorld, jobs: readonly Job[]): PlanInput {
  const links = linksByRegion(world.dataRegions);
  return {
    start: world.start,
    now: world.now,
    hourDecided: world.hourDecided,
    hours: world.hours,
    sites: world.sites.map((site) => planSite(site, world)),
    jobs: jobs.map((job) => planJobFrom(job, world.start, world.now, links)),
  };
}

function planSite(site: ConfiguredSite, world: PlanningWorld): PlanSite {
  const s = world.signals.get(site.id)!;
  return {
    id: site.id,
    timeZone: world.timeZoneOf(site.zone),
    gpus: site.gpus,
    kwPerGpu: site.kwPerGpu,
    pue: site.pue,
    capsPower: site.capsPower ?? false,
    signals: {
      greenMw: s.greenMw,
      peak: s.peak,
      importCapMw: s.importCapMw,
      carbonGPerKwh: s.carbonGPerKwh.map((v) => v ?? 0),
      pricePerMwh: s.pricePerMwh.map((v) => v ?? 0),
      forecastHours: s.forecastHours,
    },
  };
}

export function linksByRegion(dataRegions: readonly DataRegion[]): Map<string, Record<string, number>> {
  return new Map(dataRegions.map((r) => [r.id, r.linksGbps ?? {}]));
}

/**
 * One job as the planner sees it. The planner works in whole hours from `start`; a job that may
 * run now is given hour 0, with the part of it already gone added to its work, so a job placed
 * in hour 0 starts at once and its plan still ends late enough. Work left comes from progress.
 */
export function planJobFrom(
  job: Job,
  start: DateTime,
  now: DateTime,
  links: Map<string, Record<string, number>>,
): PlanJob {
  const earliestStart = parseInstant(job.earliestStart)!;
  const eligibleNow = earliestStart <= now;
  const goneOfHourZero = Math.max(0, now.toMillis() - start.toMillis()) / HOUR_MS;
  const transfer =
    job.dataRegion && job.datasetGb
      ? transferLeft(
          transferHours(job.datasetGb, links.get(job.dataRegion) ?? {}),
          job,
          eligibleNow ? start : earliestStart,
        )
      : undefined;
  return {
    id: job.id,
    gpus: job.gpus,
    remainingHours: workLeft(job, now) + (eligibleNow ? goneOfHourZero : 0),
    earliestStart: eligibleNow ? start : earliestStart,
    deadline: parseInstant(job.deadline)!,
    submittedAt: parseInstant(job.submittedAt)!,
    deferrable: job.deferrable,
    interruptible: job.interruptible,
    checkpointMinutes: job.checkpointMinutes,
    priority: job.priority,
    sites: job.sites,
    ...runFrom(job),
    transferHours: transfer,
    power: job.power,
    ...(job.acceptedLate ? { acceptedLate: true } : {}),
  };
}

/**
 * Hours from `from` until the dataset is at each site. It starts moving when the job is submitted,
 * so the wait shrinks as time passes (counted afresh from every re-plan, it would never end); its
 * data is already where it ran.
 */
function transferLeft(transfer: Record<string, number>, job: Job, from: DateTime): Record<string, number> {
  const sentAt = parseInstant(job.submittedAt)!.toMillis();
  const left = Object.fromEntries(
    Object.entries(transfer).map(([site, hours]) => [
      site,
      Math.max(0, (sentAt + hours * HOUR_MS - from.toMillis()) / HOUR_MS),
    ]),
  );
  if (job.run) left[job.run.site] = 0;
  return left;
}

/** Hours to move `datasetGb` over each link: GB × 8 bits over Gbit/s, in hours. */
export function transferHours(datasetGb: number, linksGbps: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(linksGbps).map(([site, gbps]) => [site, (datasetGb * 8) / gbps / 3600]));
}

/**
 * Whether the job runs, and where and since when, as the planner should see it: as its action in flight will leave it.
 * A pause, start or resume claimed by a worker is carried out whatever the plan says next; planned as the job was, a
 * job being paused looked running, so the re-plan kept it running, and the pause recorded with that plan's reason
 * ("running at …") was followed by a resume, a checkpoint spent for nothing.
 */
function runFrom(job: Job): Pick<PlanJob, 'state' | 'currentSite' | 'runningSince'> {
  const pending = job.pendingAction;
  if (pending?.action === 'pause') return { state: 'paused', currentSite: job.run?.site };
  if (pending?.action === 'start' || pending?.action === 'resume')
    return { state: 'running', currentSite: pending.site, runningSince: parseInstant(pending.since) };
  const state: PlanJobState = job.state === 'running' || job.state === 'paused' ? job.state : 'queued';
  const runningSince = state === 'running' ? parseInstant(job.run!.segments.at(-1)!.start) : undefined;
  return { state, currentSite: job.run?.site, runningSince };
}
