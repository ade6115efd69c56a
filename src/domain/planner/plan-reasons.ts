import { DateTime } from 'luxon';
import { HOUR_MS } from '../time/hours.js';
import type { JobPlan, PlanJob, PlanSite, Segment } from './plan-types.js';
import type { SiteHours } from './site-hours.js';

/** Slack for hour arithmetic in floating point, as the planner uses. */
const EPSILON = 1e-9;

/**
 * One sentence an operator can read: where and when the job runs and why, in the site's local time.
 * For example "paused: peak 17:00–22:00 Asia/Shanghai; resumes 00:00 Asia/Shanghai at nm-helinger on renewable supply".
 */
export function describePlacement(
  job: PlanJob,
  plan: JobPlan,
  site: PlanSite,
  siteHours: SiteHours,
  s: number,
  local: (hour: number) => string,
  localDate: (hour: number) => string,
): string {
  const H = siteHours.hours;
  const first = plan.segments[0];
  const green = greenShare(plan, siteHours, s);
  const supply = green >= 0.995 ? 'on renewable supply' : `${Math.round(green * 100)}% renewable`;
  const parts: string[] = [];
  const planStart = Date.parse(first.start) - first.startHour * HOUR_MS;
  /** A local time a day or more ahead carries its ISO date: "2026-03-04 06:00" (nearer, "06:00"). */
  const dated = (hour: number) => (hour < 24 ? local(hour) : `${localDate(hour)} ${local(hour)}`);

  if (!plan.meetsDeadline) {
    const deadline = `${job.deadline.setZone(site.timeZone).toFormat('yyyy-MM-dd HH:mm')} ${site.timeZone}`;
    const finish = DateTime.fromISO(plan.finish!).setZone(site.timeZone).toFormat('yyyy-MM-dd HH:mm');
    parts.push(`cannot meet its deadline ${deadline}; earliest finish ${finish} at ${site.id} (${site.timeZone})`);
  } else if (!job.deferrable) {
    const span = `${dated(first.startHour)}–${local(plan.segments.at(-1)!.endHour)} ${site.timeZone}`;
    const capped =
      job.state === 'running' && first.startHour > 0 ? importCapWords(job, siteHours, planStart) : undefined;
    parts.push(`${capped ? `paused: ${capped}; ` : ''}not deferrable: runs ${span} at ${site.id} without pause`);
  } else if (first.startHour === 0 && job.state === 'running' && job.currentSite && job.currentSite !== site.id) {
    parts.push(`moving from ${job.currentSite} to ${site.id} ${supply}`);
  } else if (first.startHour === 0) {
    const now = job.state === 'running' ? 'running' : job.state === 'paused' ? 'resumes now' : 'starts now';
    parts.push(`${now} at ${site.id} ${supply}`);
  } else if (job.state === 'running' || job.state === 'paused') {
    const pause = siteHours.peak[s * H + 0]
      ? `peak ${peakRun(siteHours, s, 0).map(local).join('–')} ${site.timeZone}`
      : (importCapWords(job, siteHours, planStart) ?? 'for greener hours');
    parts.push(`paused: ${pause}; resumes ${dated(first.startHour)} ${site.timeZone} at ${site.id} ${supply}`);
  } else {
    parts.push(`starts ${dated(first.startHour)} ${site.timeZone} at ${site.id} ${supply}`);
  }
  const runs = runsOf(plan.segments);
  if (runs.length > 1) {
    const pausing = gapsHavePeak(runs, siteHours, s) ? 'through peak hours' : 'for greener hours';
    parts.push(`${runs.length} segments, pausing ${pausing}`);
  }
  if (plan.peakHours > 0 && plan.meetsDeadline)
    parts.push(`runs ${plan.peakHours} peak hour(s): no off-peak hours left before its deadline`);
  const forecastHours = site.signals.forecastHours ?? H;
  if (plan.segments.at(-1)!.endHour > forecastHours) {
    parts.push(
      `runs past the forecasts (from ${dated(forecastHours)} ${site.timeZone}), where no renewable supply is assumed`,
    );
  }
  const transfer = job.transferHours?.[site.id] ?? 0;
  if (transferHeldStart(job, first, transfer, planStart)) {
    parts.push(`waits ${duration(transfer)} for its dataset to reach ${site.id}`);
  }
  return parts.join('; ');
}

/**
 * Whether the dataset's journey is what keeps the job from starting sooner: it starts in the first
 * hour the transfer allows. A transfer done before the job would start anyway is not worth a word.
 */
function transferHeldStart(job: PlanJob, first: Segment, transfer: number, planStart: number): boolean {
  if (transfer <= 0) return false;
  const earliestHour = Math.max(0, Math.ceil((job.earliestStart.toMillis() - planStart) / HOUR_MS - EPSILON));
  return first.startHour === earliestHour + Math.ceil(transfer - EPSILON);
}

/** "4.5 h", or minutes under an hour (a 0.0 h wait reads as none). */
function duration(hours: number): string {
  return hours >= 0.95 ? `${hours.toFixed(1)} h` : `${Math.max(1, Math.round(hours * 60))} min`;
}

/** The plan's runs: segments back to back at one site are one run (they differ only in their power cap). */
function runsOf(segments: readonly Segment[]): Segment[] {
  const runs: Segment[] = [];
  for (const segment of segments) {
    const last = runs.at(-1);
    if (last && last.endHour === segment.startHour && last.site === segment.site)
      runs[runs.length - 1] = { ...last, endHour: segment.endHour, end: segment.end };
    else runs.push(segment);
  }
  return runs;
}

/** Whether any pause between runs covers a peak hour at site s. */
function gapsHavePeak(runs: readonly Segment[], siteHours: SiteHours, s: number): boolean {
  for (let k = 1; k < runs.length; k++) {
    for (let h = runs[k - 1].endHour; h < runs[k].startHour; h++)
      if (siteHours.peak[s * siteHours.hours + h]) return true;
  }
  return false;
}

/**
 * "import cap at west until 03:00 UTC", where a running job's own site is under an import cap now (what stopped
 * it, as capping before pausing leaves nothing else); undefined otherwise.
 */
function importCapWords(job: PlanJob, siteHours: SiteHours, planStart: number): string | undefined {
  const s = siteHours.sites.findIndex((site) => site.id === job.currentSite);
  const H = siteHours.hours;
  if (s < 0 || !Number.isFinite(siteHours.importCapMw[s * H])) return undefined;
  let end = 1;
  while (end < H && Number.isFinite(siteHours.importCapMw[s * H + end])) end++;
  const { timeZone } = siteHours.sites[s];
  const until = DateTime.fromMillis(planStart + end * HOUR_MS, { zone: timeZone }).toFormat('HH:mm');
  return `import cap at ${job.currentSite} until ${until} ${timeZone}`;
}

/** The run of consecutive peak hours at site s that contains `hour`. */
function peakRun(siteHours: SiteHours, s: number, hour: number): [number, number] {
  const H = siteHours.hours;
  let from = hour;
  let to = hour;
  while (to < H && siteHours.peak[s * H + to]) to++;
  while (from > 0 && siteHours.peak[s * H + from - 1]) from--;
  return [from, to];
}

/** Share of the job's hours' site load covered by renewable supply (site-level, after all placements so far). */
function greenShare(plan: JobPlan, siteHours: SiteHours, s: number): number {
  const H = siteHours.hours;
  let load = 0;
  let green = 0;
  for (const segment of plan.segments) {
    for (let h = segment.startHour; h < segment.endHour; h++) {
      const i = s * H + h;
      load += siteHours.loadMw[i];
      green += Math.min(siteHours.loadMw[i], siteHours.greenMw[i]);
    }
  }
  return load > 0 ? green / load : 1;
}
