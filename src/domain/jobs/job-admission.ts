import { DateTime, Duration } from 'luxon';
import { normalisedCurve } from '../energy/power-curve.js';
import { FieldError } from '../field-error.js';
import { formatInstant, parseInstant } from '../time/instant.js';
import { DEFAULT_CHECKPOINT_MINUTES, DEFAULT_PRIORITY, Job, JobSpec } from './job.js';
import { admitted } from './job-state-machine.js';

/** What a submission is checked against: the configured sites and data regions. */
export interface Capacity {
  sites: ReadonlyArray<{ id: string; gpus: number }>;
  dataRegions: ReadonlyArray<{ id: string }>;
}

/** A submission after shape validation: instants are strings with offsets, optional fields may be absent. */
export type JobRequest = Pick<JobSpec, 'name' | 'gpus' | 'runtimeHours' | 'deadline'> & Partial<JobSpec>;

/** How far ahead a deadline may lie; beyond it no forecast or plan means anything. */
export const MAX_DEADLINE_AHEAD = Duration.fromObject({ days: 366 });

export type Admission = { job: Job; problems?: undefined } | { job?: undefined; problems: FieldError[] };

/**
 * Admits a well-formed request: checks it against the configuration and the clock (known sites and
 * data region, a site big enough, a deadline that leaves room for the runtime) and, when it passes,
 * returns the new queued job with defaults applied and instants normalised to UTC.
 */
export function admitJob(
  request: JobRequest,
  capacity: Capacity,
  ids: { id: string; tenant: string },
  now: DateTime,
): Admission {
  const problems: FieldError[] = [];
  const knownSites = new Map(capacity.sites.map((s) => [s.id, s.gpus]));
  request.sites?.forEach((id, i) => {
    if (!knownSites.has(id)) problems.push({ field: `sites[${i}]`, message: `unknown site "${id}"` });
  });
  const allowed = request.sites?.filter((id) => knownSites.has(id)) ?? [...knownSites.keys()];
  const largest = Math.max(0, ...allowed.map((id) => knownSites.get(id)!));
  if (allowed.length > 0 && request.gpus > largest) {
    problems.push({ field: 'gpus', message: `${request.gpus} GPUs exceed the largest allowed site (${largest} GPUs)` });
  }
  if (request.dataRegion !== undefined && !capacity.dataRegions.some((r) => r.id === request.dataRegion)) {
    problems.push({ field: 'dataRegion', message: `unknown data region "${request.dataRegion}"` });
  }
  const deadline = parseInstant(request.deadline)!;
  const earliestStart = request.earliestStart ? parseInstant(request.earliestStart)! : now;
  const earliestFinish = DateTime.max(now, earliestStart).plus({ hours: request.runtimeHours });
  if (deadline < earliestFinish) {
    const finish = formatInstant(earliestFinish);
    problems.push({
      field: 'deadline',
      message: `is before the earliest possible finish ${finish} (earliest start + runtimeHours)`,
    });
  } else if (deadline > now.plus(MAX_DEADLINE_AHEAD)) {
    problems.push({ field: 'deadline', message: `is more than ${MAX_DEADLINE_AHEAD.as('days')} days ahead` });
  }
  if (problems.length > 0) return { problems };

  const at = formatInstant(now);
  const job: Job = {
    id: ids.id,
    tenant: ids.tenant,
    name: request.name,
    gpus: request.gpus,
    runtimeHours: request.runtimeHours,
    deadline: formatInstant(deadline),
    earliestStart: formatInstant(earliestStart),
    deferrable: request.deferrable ?? true,
    interruptible: request.interruptible ?? true,
    checkpointMinutes: request.checkpointMinutes ?? DEFAULT_CHECKPOINT_MINUTES,
    priority: request.priority ?? DEFAULT_PRIORITY,
    state: 'queued',
    submittedAt: at,
    updatedAt: at,
    history: [admitted(at)],
  };
  // Optional fields only when given, so stored and returned jobs carry no undefined keys.
  for (const key of ['sites', 'dataRegion', 'datasetGb', 'callbackUrl', 'slurm'] as const) {
    if (request[key] !== undefined) Object.assign(job, { [key]: request[key] });
  }
  // A power curve (checked sound by its DTO) is stored highest fraction first, as plain data.
  if (request.power !== undefined) job.power = normalisedCurve(request.power);
  return { job };
}
