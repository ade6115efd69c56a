import { DateTime } from 'luxon';
import { allowedFraction, FRACTION_EPSILON } from '../energy/power-curve.js';
import type { DispatchActionName, Job } from '../jobs/job.js';
import type { JobPlan } from '../planner/plan-types.js';
import { workLeft } from './job-run.js';

/** Hours of work left below which a running job counts as done (a few seconds: float sums of progress). */
const WORK_DONE_EPSILON = 1e-6;

/** One action for one site's executor, derived from a plan version. */
export interface DispatchCommand {
  /** `<job>.v<plan version>.s<segment>.<action>`: the same decision always has the same id. */
  id: string;
  action: DispatchActionName;
  jobId: string;
  site: string;
  planVersion: number;
  /** Index of the plan segment the action begins or ends; -1 when none (a cancel). */
  segment: number;
  /** A setPower's power fraction (the plan's, within the job's curve). */
  powerFraction?: number;
}

/** What the dispatcher knows of the sites: which can cap power (absent: none, so no setPower). */
export interface DispatchSites {
  capsPower?: (site: string) => boolean;
}

export function commandId(jobId: string, planVersion: number, segment: number, action: DispatchActionName): string {
  // No ':' — BullMQ reserves it in custom job ids.
  return `${jobId}.v${planVersion}.s${segment}.${action}`;
}

function command(
  job: Job,
  action: DispatchActionName,
  site: string,
  planVersion: number,
  segment: number,
): DispatchCommand {
  return { id: commandId(job.id, planVersion, segment, action), action, jobId: job.id, site, planVersion, segment };
}

/**
 * What must happen now for the job to follow its plan. Segments are compared with `now` by their
 * instants, not by hour index, so a plan made in the previous hour still reads right at the
 * boundary: its segments begin and end on the hour, which is where pauses and resumes fall. A job
 * running where its segment says, at another power fraction than the segment's (held within the
 * job's curve; full power for a job without one), is sent a setPower, where the site can cap power.
 * A start or resume runs at full power; the setPower follows once it is recorded. No start or resume goes out into a
 * run too short to repay its restore (`tooShortToRepay`), and a running job whose work is done by now is not paused.
 */
export function actionsFor(
  job: Job,
  part: JobPlan | undefined,
  planVersion: number,
  now: DateTime,
  sites: DispatchSites = {},
): DispatchCommand[] {
  if (!part) return [];
  const at = now.toMillis();
  const current = part.segments.findIndex((s) => Date.parse(s.start) <= at && at < Date.parse(s.end));
  const segment = current >= 0 ? part.segments[current] : undefined;
  const worthStarting = segment !== undefined && !tooShortToRepay(job, part, current, at);
  switch (job.state) {
    case 'queued':
    case 'scheduled':
      return worthStarting ? [command(job, 'start', segment.site, planVersion, current)] : [];
    case 'paused':
      return worthStarting ? [command(job, 'resume', segment.site, planVersion, current)] : [];
    case 'running': {
      const site = job.run!.site;
      // Its work is done by now: its site's report of the completion is on its way. A pause would checkpoint a
      // finished job and a resume restore it only to complete (166 of 5,443 jobs in a 63% load demo at 2880×).
      if (workLeft(job, now) <= WORK_DONE_EPSILON) return [];
      if (!segment) return [command(job, 'pause', site, planVersion, nextSegment(part, at))];
      if (segment.site !== site)
        return [
          command(job, 'pause', site, planVersion, current),
          ...(worthStarting ? [command(job, 'resume', segment.site, planVersion, current)] : []),
        ];
      const wanted = allowedFraction(job.power, segment.powerFraction ?? 1);
      const running = job.run!.powerFraction ?? 1;
      if (Math.abs(wanted - running) > FRACTION_EPSILON && sites.capsPower?.(site))
        return [{ ...command(job, 'setPower', site, planVersion, current), powerFraction: wanted }];
      return [];
    }
    default:
      return [];
  }
}

/**
 * Whether the planned run from `at` — segment `current` and those back to back with it at its site — is too short to
 * repay its restore: less than the job's checkpoint time left, with more of the plan after it (a run that ends the job
 * is never too short). Plans run jobs in whole hours from the hour; a start or resume dispatched late in its hour (a
 * re-plan that came late) would spend what is left restoring and then be paused.
 */
function tooShortToRepay(job: Job, part: JobPlan, current: number, at: number): boolean {
  const { segments } = part;
  let last = current;
  while (
    last + 1 < segments.length &&
    segments[last + 1].site === segments[last].site &&
    segments[last + 1].start === segments[last].end
  )
    last++;
  if (last === segments.length - 1) return false;
  return Date.parse(segments[last].end) - at < job.checkpointMinutes * 60_000;
}

function nextSegment(part: JobPlan, at: number): number {
  return part.segments.findIndex((s) => Date.parse(s.start) > at);
}

/** What the dispatcher knows of a stored plan: its version and when it was made (its input read then or just after). */
export interface PlanStamp {
  version: number;
  createdAt: string;
}

/**
 * Whether `plan` was made knowing the job as it is: no action has been carried out on it, the last one was checked
 * against this plan or a later one, or this plan was made at or after that action's claim (under a clock that stands
 * still, every plan is). A re-plan reads the jobs first and stores its plan a few hundred milliseconds later — at the
 * demo's 2880×, a quarter of an hour; a start claimed under the plan before in between is unknown to it, so it plans
 * the job as still waiting, and its pause would end a run of minutes (21–61 such runs in each 63% load demo). Such a
 * plan has no say over the job; the next one, made knowing it, has.
 */
export function planKnowsJob(job: Job, plan: PlanStamp): boolean {
  const last = job.lastAction;
  if (!last || last.checkedAgainst === undefined || plan.version <= last.checkedAgainst) return true;
  return Date.parse(plan.createdAt) >= Date.parse(last.since);
}

/** The cancel sent to the site of a job cancelled while it ran or was paused there. */
export function cancelCommand(job: Job): DispatchCommand | undefined {
  return job.run ? command(job, 'cancel', job.run.site, 0, -1) : undefined;
}

/** Plan reasons that already say why a running job stops: paused, moving, or late. */
const STOPPING = /^(paused|moving|cannot meet)/;

/**
 * The reason a pause is recorded with, from the plan it was checked against (`plan N: …`). A plan's reason speaks of
 * its hour 0; a pause carried out later under it (where its run ends in a later hour, before that hour's re-plan)
 * would read "running at …". Such a pause says that its planned run ended, and where and when the job resumes —
 * or, where the plan now runs it at another site, that it is moving there.
 */
export function pauseReason(
  part: JobPlan | undefined,
  planVersion: number,
  site: string,
  now: DateTime,
  timeZoneOf: (site: string) => string,
): string {
  if (!part) return `plan ${planVersion}`;
  const planned = `plan ${planVersion}: ${part.reason}`;
  if (STOPPING.test(part.reason)) return planned;
  const at = now.toMillis();
  const current = part.segments.find((s) => Date.parse(s.start) <= at && at < Date.parse(s.end));
  if (current && current.site !== site) return `moving from ${site} to ${current.site}; ${planned}`;
  const next = part.segments.find((s) => Date.parse(s.start) > at);
  if (!next) return `paused: its planned run ended; ${planned}`;
  const zone = timeZoneOf(next.site);
  const resumes = DateTime.fromISO(next.start, { zone });
  const when = resumes.toFormat(resumes.hasSame(now.setZone(zone), 'day') ? 'HH:mm' : 'yyyy-MM-dd HH:mm');
  return `paused: its planned run ended; resumes ${when} ${zone} at ${next.site}; ${planned}`;
}
