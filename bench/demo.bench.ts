/**
 * npm run bench:demo — the live loop of the shipped demo, measured from outside: the built service
 * (all roles, one process) runs config/westwind.yaml with its demo on a faster clock
 * (BENCH_DEMO_SPEED, default 2880×) for BENCH_DEMO_DAYS simulated days (default 10), under a fresh
 * Redis key prefix. Then, with the service stopped (a consistent snapshot), every job of the demo
 * tenant is read and judged: completed late (finish after deadline) and by how much, still active
 * past its deadline, pauses and site moves per completed job, runs shorter than 15 simulated
 * minutes, what the late jobs' history reasons say, and the dashboard's deadline-risk count.
 *
 * The demo submits through JobsService and drops its 422s silently, so the submitted and refused
 * counts come from replaying the demo's own deterministic sample stream (seed 2019, the ITP trace)
 * and matching the stored jobs against it.
 *
 * While it runs, every stored plan is read (BENCH_DEMO_TRACE, default out/demo-trace.json; "off"
 * to skip): per job, each change of its planned finish, start, site or meetsDeadline, with the plan
 * version and the plan's reason. That tells a job late in its first plan (admission accepted what
 * the plan cannot fit) from one pushed late by later re-plans, and from one whose every plan met
 * its deadline but which still finished late (execution drifted from the plan).
 *
 * Writes bench/results/demo.json (BENCH_DEMO_OUT) and prints a table. Stops by itself (a real-time
 * cap of 1.5× the expected run plus two minutes) and removes its Redis keys and the child process
 * on error and on SIGINT/SIGTERM.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Redis } from 'ioredis';
import { DateTime } from 'luxon';
import { parse, stringify } from 'yaml';
import { readItpTrace } from '../src/datasets/itp-trace.js';
import { sampleJob } from '../src/datasets/sample-jobs.js';
import { gpusHeld } from '../src/domain/execution/job-run.js';
import type { JobRequest } from '../src/domain/jobs/job-admission.js';
import type { Job } from '../src/domain/jobs/job.js';
import type { JobPlan } from '../src/domain/planner/plan-types.js';
import { seededRandom } from '../src/domain/seeded-random.js';
import type { PlanMeta } from '../src/plans/plan.repository.js';
import { RedisKeys } from '../src/redis/redis-keys.js';
import { cleanup, gitCommit, REDIS_URL, round, srcChanges, stopServer } from './bench-support.js';

const SPEED = Number(process.env.BENCH_DEMO_SPEED ?? 2880);
const DAYS = Number(process.env.BENCH_DEMO_DAYS ?? 10);
/** Runs above a site's GPU count for longer than this (real time) are counted apart (`aboveCapacity`). */
const LASTING_OVERLAP_REAL_MS = 2_000;
const PORT = Number(process.env.BENCH_DEMO_PORT ?? 3920);
const OUT = process.env.BENCH_DEMO_OUT ?? 'bench/results/demo.json';
const TRACE = process.env.BENCH_DEMO_TRACE ?? 'out/demo-trace.json';
const CONFIG = process.env.BENCH_DEMO_CONFIG ?? 'config/westwind.yaml';
const PREFIX = `{bench-demo-${Date.now()}}:`;
const HOUR_MS = 3_600_000;
const SHORT_RUN_MINUTES = 15;
/** The demo's sample stream (src/demo/demo.service.ts): its seed and trace. */
const DEMO_SEED = 2019;
const DEMO_TRACE_FILE = 'data/itp-traces/cluster04.csv';
const base = `http://127.0.0.1:${PORT}`;
const OPERATOR = { authorization: 'Bearer ww-operator-key-change-me' };
/** Words in a reason that name a change in the world after acceptance (issue 17: "its reason names that change"). */
const CHANGE_WORDS = /forecast|revis|grid event|openadr|import cap|capacity (lost|reduced)|site fail|failed at|outage/i;

interface DemoSection {
  speed: number;
  jobsPerHour: number;
  gpuScale: number;
  tenant: string;
}

/** The shipped config with only demo.speed changed, in a temporary file. */
function demoConfig(): { path: string; demo: DemoSection; dataRegions: string[]; siteGpus: Record<string, number> } {
  const config = parse(readFileSync(CONFIG, 'utf8')) as {
    demo: DemoSection;
    dataRegions?: { id: string }[];
    sites: { id: string; gpus: number }[];
  };
  config.demo.speed = SPEED;
  const path = join(mkdtempSync(join(tmpdir(), 'westwind-demo-bench-')), 'westwind.yaml');
  writeFileSync(path, stringify(config));
  return {
    path,
    demo: config.demo,
    dataRegions: (config.dataRegions ?? []).map((r) => r.id),
    siteGpus: Object.fromEntries(config.sites.map((s) => [s.id, s.gpus])),
  };
}

/** Like bench-support's startServer, but with the demo on and the service's log kept in a file. */
async function startDemoServer(configPath: string, logFile: string): Promise<ChildProcess> {
  mkdirSync(dirname(logFile), { recursive: true });
  const log = createWriteStream(logFile);
  const child = spawn('node', ['dist/main.js'], {
    env: {
      ...process.env,
      REDIS_URL,
      PORT: String(PORT),
      WESTWIND_CONFIG: configPath,
      WESTWIND_DEMO: 'true',
      WESTWIND_PREFIX: PREFIX,
      WESTWIND_ROLES: 'api,planner,dispatch',
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
      WESTWIND_TENANT_REQUESTS: '10000000',
      WESTWIND_SENDER_REQUESTS: '10000000',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  child.stdout.pipe(log);
  for (let i = 0; i < 300; i++) {
    await new Promise((r) => setTimeout(r, 100));
    if (child.exitCode !== null) throw new Error(`dist/main.js exited (${child.exitCode}); see ${logFile}`);
    const up = await fetch(`${base}/`, { method: 'HEAD' }).then(
      () => true,
      () => false,
    );
    if (up) return child;
  }
  child.kill('SIGKILL');
  throw new Error(`dist/main.js did not start on port ${PORT}`);
}

interface Overview {
  now: string;
  plan: { version: number } | null;
  jobsByState: Record<string, number>;
  deadlineRisk: { count: number; jobs: string[] };
  energy: { planned: { peakGridMwh: number; gridMwh: number } | null };
}

async function overview(): Promise<Overview> {
  const res = await fetch(`${base}/dashboard/api/overview`, { headers: OPERATOR });
  if (!res.ok) throw new Error(`overview: ${res.status}`);
  return (await res.json()) as Overview;
}

/**
 * One change of a job's planned placement: [plan version, planned finish, meetsDeadline, first start, site, segments,
 * reason].
 */
type PlanEntry = [number, string | null, boolean, string | null, string | null, number, string];
interface PlanRecord {
  version: number;
  createdAt: string;
  reason: string;
  jobs: number;
  misses: number;
  pauses: number;
}

/** Reads every stored plan (coalesced: at most one read in flight, the latest plan wins). */
class PlanTracer {
  readonly plans: PlanRecord[] = [];
  readonly byJob = new Map<string, PlanEntry[]>();
  private readonly subscriber = new Redis(REDIS_URL);
  private readonly reader = new Redis(REDIS_URL);
  private readonly keys = new RedisKeys(PREFIX);
  private dirty = false;
  private reading?: Promise<void>;
  announced = 0;

  async start(): Promise<void> {
    this.subscriber.on('message', (_channel, message: string) => {
      if (!message.includes('"plan"')) return;
      this.announced++;
      this.dirty = true;
      this.reading ??= this.drain().finally(() => (this.reading = undefined));
    });
    await this.subscriber.subscribe(this.keys.changes());
  }

  private async drain(): Promise<void> {
    while (this.dirty) {
      this.dirty = false;
      const [metaText, parts] = await Promise.all([
        this.reader.get(this.keys.planMeta()),
        this.reader.hgetall(this.keys.planJobs()),
      ]);
      if (!metaText) continue;
      const meta = JSON.parse(metaText) as PlanMeta;
      if (this.plans.at(-1)?.version === meta.version) continue;
      this.plans.push({
        version: meta.version,
        createdAt: meta.createdAt,
        reason: meta.reason,
        jobs: Object.keys(parts).length,
        misses: meta.totals.deadlineMisses,
        pauses: meta.totals.pauses,
      });
      for (const [id, text] of Object.entries(parts)) {
        const part = JSON.parse(text) as JobPlan;
        const entry: PlanEntry = [
          meta.version,
          part.finish ?? null,
          part.meetsDeadline,
          part.segments[0]?.start ?? null,
          part.site ?? null,
          part.segments.length,
          part.reason,
        ];
        const list = this.byJob.get(id);
        const last = list?.at(-1);
        if (last && last[1] === entry[1] && last[2] === entry[2] && last[3] === entry[3] && last[4] === entry[4])
          continue;
        if (list) list.push(entry);
        else this.byJob.set(id, [entry]);
      }
    }
  }

  async stop(): Promise<void> {
    await this.reading;
    this.subscriber.disconnect();
    this.reader.disconnect();
  }
}

/** Every job of the tenant, read from Redis (the service stopped: nothing changes meanwhile). */
async function readJobs(tenant: string): Promise<Job[]> {
  const redis = new Redis(REDIS_URL);
  const keys = new RedisKeys(PREFIX);
  try {
    const ids = await redis.zrange(keys.tenantJobs(tenant), '0', '-1');
    const jobs: Job[] = [];
    for (let i = 0; i < ids.length; i += 1000) {
      const texts = await redis.mget(ids.slice(i, i + 1000).map((id) => keys.job(id)));
      for (const text of texts) if (text) jobs.push(JSON.parse(text) as Job);
    }
    return jobs.sort((a, b) => (a.id < b.id ? -1 : 1));
  } finally {
    redis.disconnect();
  }
}

/**
 * Jobs whose entry in the sites' GPUs-held tallies disagrees with their record (the service stopped): every change of
 * a record keeps the tallies, so this should be 0.
 */
async function tallyMismatches(jobs: Job[], sites: string[]): Promise<number> {
  const redis = new Redis(REDIS_URL);
  const keys = new RedisKeys(PREFIX);
  try {
    const entries = new Map<string, string>();
    for (const site of sites)
      for (const [id, gpus] of Object.entries(await redis.hgetall(keys.siteGpusHeld(site))))
        entries.set(id, `${site}:${gpus}`);
    let mismatches = 0;
    for (const job of jobs) {
      const held = gpusHeld(job);
      if ((held ? `${held.site}:${held.gpus}` : undefined) !== entries.get(job.id)) mismatches++;
      entries.delete(job.id);
    }
    return mismatches + entries.size;
  } finally {
    redis.disconnect();
  }
}

/**
 * Matches the stored jobs (submission order) to the demo's deterministic sample stream; the
 * samples left unmatched before the last matched one were refused. Returns each job's index in
 * the stream, and the refused samples.
 */
function matchSamples(jobs: Job[], dataRegions: string[], gpuScale: number, count: number) {
  const trace = readItpTrace(DEMO_TRACE_FILE);
  const random = seededRandom(DEMO_SEED);
  const now = DateTime.utc();
  const samples: (JobRequest & { slackHours: number })[] = Array.from({ length: count }, () => {
    const s = sampleJob(trace, random, now, dataRegions, gpuScale);
    return { ...s, slackHours: Math.round((Date.parse(s.deadline) - now.toMillis()) / HOUR_MS - s.runtimeHours) };
  });
  const same = (job: Job, s: JobRequest & { slackHours: number }) =>
    job.name === s.name &&
    job.gpus === s.gpus &&
    job.runtimeHours === s.runtimeHours &&
    job.deferrable === s.deferrable &&
    job.interruptible === s.interruptible &&
    job.dataRegion === s.dataRegion &&
    job.datasetGb === s.datasetGb &&
    Math.round((Date.parse(job.deadline) - Date.parse(job.submittedAt)) / HOUR_MS - job.runtimeHours) === s.slackHours;
  const used = new Uint8Array(count);
  const indexOf = new Map<string, number>();
  let cursor = 0;
  let unmatched = 0;
  for (const job of jobs) {
    // Ids follow call order; allow a little reordering within a millisecond.
    let found = -1;
    for (let i = Math.max(0, cursor - 24); i < Math.min(count, cursor + 400); i++) {
      if (!used[i] && same(job, samples[i])) {
        found = i;
        break;
      }
    }
    if (found < 0) {
      unmatched++;
      continue;
    }
    used[found] = 1;
    indexOf.set(job.id, found);
    cursor = Math.max(cursor, found + 1);
  }
  return { samples, used, indexOf, unmatched, lastMatched: cursor - 1 };
}

function quantile(values: number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

const hoursBetween = (a: string, b: string) => (Date.parse(b) - Date.parse(a)) / HOUR_MS;

/** What the service's log says of its re-plans: count, time, reasons. */
function planLog(logFile: string) {
  const ms: number[] = [];
  const reasons = new Map<string, number>();
  let demoHoursSkipped = 0;
  const warnings = new Map<string, number>();
  for (const line of readFileSync(logFile, 'utf8').split('\n')) {
    if (!line.startsWith('{')) continue;
    let entry: { msg?: string; level?: number };
    try {
      entry = JSON.parse(line) as { msg?: string; level?: number };
    } catch {
      continue;
    }
    const msg = entry.msg ?? '';
    const plan = /^plan \d+: \d+ jobs, actions .* in (\d+) ms \((.*)\)$/.exec(msg);
    if (plan) {
      ms.push(Number(plan[1]));
      for (const reason of plan[2].split('; ')) {
        const kind = reason.replace(/ in cn-\w+/, ' in <zone>');
        reasons.set(kind, (reasons.get(kind) ?? 0) + 1);
      }
    }
    if (msg.startsWith('demo hour skipped')) demoHoursSkipped++;
    if ((entry.level ?? 0) >= 40) {
      const key = msg
        .replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, '<id>')
        .replace(/\d+/g, 'N')
        .slice(0, 120);
      warnings.set(key, (warnings.get(key) ?? 0) + 1);
    }
  }
  return {
    replans: ms.length,
    replanMsP50: quantile(ms, 0.5),
    replanMsP99: quantile(ms, 0.99),
    replanMsMax: ms.length ? Math.max(...ms) : null,
    requestReasons: Object.fromEntries([...reasons].sort((a, b) => b[1] - a[1]).slice(0, 8)),
    demoHoursSkipped,
    warnings: Object.fromEntries([...warnings].sort((a, b) => b[1] - a[1]).slice(0, 8)),
  };
}

function analyse(
  jobs: Job[],
  stopNow: string,
  tracer: PlanTracer | undefined,
  demo: DemoSection,
  dataRegions: string[],
  clockStart: string,
  siteGpus: Record<string, number>,
) {
  const stopMs = Date.parse(stopNow);
  const completed = jobs.filter((j) => j.state === 'completed');
  const finishOf = (j: Job) => j.history.at(-1)!.at;
  const lateHours = (j: Job) => hoursBetween(j.deadline, finishOf(j));
  const late = completed.filter((j) => Date.parse(finishOf(j)) > Date.parse(j.deadline));
  const active = jobs.filter((j) => ['queued', 'scheduled', 'running', 'paused'].includes(j.state));
  const activePastDeadline = active.filter((j) => Date.parse(j.deadline) < stopMs);
  const pausesOf = (j: Job) => j.history.filter((h) => h.to === 'paused').length;
  const segmentsOf = (j: Job) => j.run?.segments ?? [];
  const movesOf = (j: Job) => segmentsOf(j).filter((s, i, all) => i > 0 && all[i - 1].site !== s.site).length;
  const shortRuns = {
    endedByPause: 0,
    endedByCompletion: 0,
    examples: [] as { job: string; minutes: number; site: string; start: string }[],
  };
  let segments = 0;
  for (const job of jobs) {
    const segs = segmentsOf(job);
    segs.forEach((s, i) => {
      if (!s.end) return;
      segments++;
      const minutes = (Date.parse(s.end) - Date.parse(s.start)) / 60_000;
      if (minutes >= SHORT_RUN_MINUTES) return;
      const last = i === segs.length - 1 && job.state === 'completed';
      if (last) shortRuns.endedByCompletion++;
      else {
        shortRuns.endedByPause++;
        if (shortRuns.examples.length < 5)
          shortRuns.examples.push({ job: job.id, minutes: round(minutes, 1), site: s.site, start: s.start });
      }
    });
  }
  const pauseReasons = new Map<string, number>();
  for (const job of jobs) {
    for (const h of job.history) {
      if (h.to !== 'paused') continue;
      const kind = h.reason
        .replace(/^plan \d+: /, '')
        .replace(/\d{2}:\d{2}/g, 'HH:MM')
        .replace(/\d+(\.\d+)?%/g, 'N%')
        .replace(/\d+(\.\d+)? h/g, 'N h')
        .replace(/\d{4}-\d{2}-\d{2} HH:MM/g, 'DATE')
        .replace(/at [a-z]+-[a-z]+/g, 'at SITE')
        .split(';')[0];
      pauseReasons.set(kind, (pauseReasons.get(kind) ?? 0) + 1);
    }
  }

  // What the late jobs' reasons say, and what the plans said of them.
  const trace = tracer?.byJob;
  const planReason = new Map(tracer?.plans.map((p) => [p.version, p.reason]) ?? []);
  const lateJobs = late.map((job) => {
    const reasons = job.history.map((h) => h.reason);
    const entries = trace?.get(job.id) ?? [];
    const firstLate = entries.find((e) => !e[2]);
    const startedAt = job.history.find((h) => h.to === 'running')?.at;
    return {
      id: job.id,
      name: job.name,
      gpus: job.gpus,
      runtimeHours: job.runtimeHours,
      deferrable: job.deferrable,
      interruptible: job.interruptible,
      slackHours: round(hoursBetween(job.submittedAt, job.deadline) - job.runtimeHours, 2),
      submittedAt: job.submittedAt,
      deadline: job.deadline,
      finishedAt: finishOf(job),
      lateHours: round(lateHours(job), 2),
      waitedHours: startedAt ? round(hoursBetween(job.submittedAt, startedAt), 2) : null,
      pauses: pausesOf(job),
      moves: movesOf(job),
      namesAChange: reasons.some((r) => CHANGE_WORDS.test(r)),
      saysCannotMeet: reasons.some((r) => r.includes('cannot meet its deadline')),
      history: job.history.map((h) => `${h.at} ${h.from ?? '-'}→${h.to}: ${h.reason}`),
      plans: trace
        ? {
            seen: entries.length,
            firstPlan: entries[0]
              ? { version: entries[0][0], meets: entries[0][2], finish: entries[0][1], start: entries[0][3] }
              : null,
            firstLate: firstLate
              ? {
                  version: firstLate[0],
                  finish: firstLate[1],
                  planReason: planReason.get(firstLate[0]) ?? null,
                  jobReason: firstLate[6],
                }
              : null,
          }
        : undefined,
    };
  });
  // Why late: late in its first plan (admission took what the plan cannot fit), pushed late by a
  // later plan, or every plan met the deadline and the run still ended after it.
  const cause = { lateInFirstPlan: 0, pushedLateByLaterPlan: 0, everyPlanMetDeadline: 0, notTraced: 0 };
  for (const j of lateJobs) {
    if (!j.plans || j.plans.seen === 0) cause.notTraced++;
    else if (!j.plans.firstPlan!.meets) cause.lateInFirstPlan++;
    else if (j.plans.firstLate) cause.pushedLateByLaterPlan++;
    else cause.everyPlanMetDeadline++;
  }
  const firstLateReasons = new Map<string, number>();
  for (const j of lateJobs) {
    const r = j.plans?.firstLate?.planReason;
    if (!r) continue;
    for (const part of r.split('; ')) {
      const kind = part.replace(/ in cn-\w+/, ' in <zone>');
      firstLateReasons.set(kind, (firstLateReasons.get(kind) ?? 0) + 1);
    }
  }

  // Submitted and refused: the demo's sample stream, matched against what was stored.
  const hoursRun = Math.floor((stopMs - Date.parse(clockStart)) / HOUR_MS);
  const match = matchSamples(jobs, dataRegions, demo.gpuScale, (hoursRun + 4) * demo.jobsPerHour);
  const refusedSamples = match.samples.slice(0, match.lastMatched + 1).filter((_, i) => !match.used[i]);
  // The hours after the last accepted one: the demo ran until stopNow (its first hour is an hour after the clock's
  // start).
  const lastAccepted = jobs.at(-1);
  const hoursAfterLast = lastAccepted
    ? Math.max(0, Math.floor((stopMs - Date.parse(lastAccepted.submittedAt)) / HOUR_MS))
    : 0;
  const lastHourIndex = Math.floor(match.lastMatched / demo.jobsPerHour);
  const submitted = (lastHourIndex + 1 + hoursAfterLast) * demo.jobsPerHour;

  const lateValues = late.map(lateHours);
  const offeredGpuHours = match.samples.slice(0, submitted).reduce((n, s) => n + s.gpus * s.runtimeHours, 0);
  return {
    submitted,
    accepted: jobs.length,
    refused: submitted - jobs.length,
    refusedOfMatchedStream: {
      count: refusedSamples.length,
      deferrable: refusedSamples.filter((s) => s.deferrable).length,
      gpusP50: quantile(
        refusedSamples.map((s) => s.gpus),
        0.5,
      ),
      slackHoursP50: quantile(
        refusedSamples.map((s) => s.slackHours),
        0.5,
      ),
    },
    unmatchedStoredJobs: match.unmatched,
    offeredGpuHoursPerDay: Math.round(offeredGpuHours / (hoursRun / 24)),
    byState: Object.fromEntries(
      ['queued', 'scheduled', 'running', 'paused', 'completed', 'failed', 'cancelled'].map((s) => [
        s,
        jobs.filter((j) => j.state === s).length,
      ]),
    ),
    completed: completed.length,
    completedLate: late.length,
    completedLateShare: completed.length ? round(late.length / completed.length, 4) : null,
    lateHoursMax: lateValues.length ? round(Math.max(...lateValues), 2) : null,
    lateHoursP50: lateValues.length ? round(quantile(lateValues, 0.5)!, 2) : null,
    lateOverOneHour: lateValues.filter((h) => h > 1).length,
    lateUnder15Minutes: lateValues.filter((h) => h <= 0.25).length,
    lateDeferrable: late.filter((j) => j.deferrable).length,
    lateNonDeferrable: late.filter((j) => !j.deferrable).length,
    lateNamingAChange: lateJobs.filter((j) => j.namesAChange).length,
    lateSayingCannotMeet: lateJobs.filter((j) => j.saysCannotMeet).length,
    lateCauseFromPlans: trace ? cause : null,
    firstLatePlanRequestReasons: trace ? Object.fromEntries([...firstLateReasons].sort((a, b) => b[1] - a[1])) : null,
    activePastDeadline: activePastDeadline.length,
    activePastDeadlineByState: Object.fromEntries(
      ['queued', 'scheduled', 'running', 'paused'].map((s) => [
        s,
        activePastDeadline.filter((j) => j.state === s).length,
      ]),
    ),
    pauses: jobs.reduce((n, j) => n + pausesOf(j), 0),
    pausesOfCompleted: completed.reduce((n, j) => n + pausesOf(j), 0),
    pausesPerCompletedJob: completed.length
      ? round(completed.reduce((n, j) => n + pausesOf(j), 0) / completed.length, 3)
      : null,
    pausesAllJobsPerCompletedJob: completed.length
      ? round(jobs.reduce((n, j) => n + pausesOf(j), 0) / completed.length, 3)
      : null,
    completedNeverPaused: completed.filter((j) => pausesOf(j) === 0).length,
    moves: jobs.reduce((n, j) => n + movesOf(j), 0),
    pauseReasons: Object.fromEntries([...pauseReasons].sort((a, b) => b[1] - a[1]).slice(0, 10)),
    runSegments: segments,
    shortRuns,
    aboveCapacity: aboveCapacity(jobs, stopMs, siteGpus, SPEED),
    lateJobs,
  };
}

/**
 * GPUs the jobs held beyond each site's count, from the recorded runs (start to pause, move or end). A start takes
 * its GPUs only when the site's tally has them free (docs/execution.md); before that, a start recorded before the
 * pause that made room put up to 1,900 GPUs above a site's count for a few hundred real milliseconds (a quarter of
 * a service hour at 2,880×). Overlaps are still counted apart where they last longer than two real seconds
 * (`LASTING_OVERLAP_REAL_MS` × the clock's speed): those would be a plan or dispatch breaking the capacity rule.
 */
function aboveCapacity(jobs: Job[], stopMs: number, siteGpus: Record<string, number>, speed: number) {
  const lastingMs = LASTING_OVERLAP_REAL_MS * speed;
  const bySite: Record<string, { maxAbove: number; lasting: number; maxAboveLasting: number }> = {};
  for (const [site, gpus] of Object.entries(siteGpus)) {
    const steps: [number, number][] = [];
    for (const job of jobs)
      for (const s of job.run?.segments ?? [])
        if (s.site === site)
          steps.push([Date.parse(s.start), job.gpus], [s.end ? Date.parse(s.end) : stopMs, -job.gpus]);
    // Ends before starts at the same instant.
    steps.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const above = { maxAbove: 0, lasting: 0, maxAboveLasting: 0 };
    let held = 0;
    let since = 0;
    for (const [at, delta] of steps) {
      if (held > gpus && at - since > lastingMs) {
        above.lasting++;
        above.maxAboveLasting = Math.max(above.maxAboveLasting, held - gpus);
      }
      held += delta;
      since = at;
      above.maxAbove = Math.max(above.maxAbove, held - gpus);
    }
    bySite[site] = above;
  }
  return bySite;
}

async function main(): Promise<void> {
  const { path: configPath, demo, dataRegions, siteGpus } = demoConfig();
  const logFile = join(dirname(configPath), 'service.log');
  const realMs = (DAYS * 86_400_000) / SPEED;
  const deadline = Date.now() + realMs * 1.5 + 120_000;
  const startedAt = performance.now();
  let server: ChildProcess | undefined;
  let tracer: PlanTracer | undefined;
  const stop = async () => {
    if (server) await stopServer(server);
    await tracer?.stop();
    await cleanup([PREFIX]);
  };
  const onSignal = () => void stop().finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    if (TRACE !== 'off') {
      tracer = new PlanTracer();
      await tracer.start();
    }
    server = await startDemoServer(configPath, logFile);
    const first = await overview();
    const zone = 'Asia/Shanghai';
    // The demo clock starts at the last 14:00 in Shanghai (config demo.startLocalTime).
    const local = DateTime.fromISO(first.now, { zone: 'utc' }).setZone(zone);
    const clockStart = (local.hour >= 14 ? local : local.minus({ days: 1 }))
      .set({ hour: 14, minute: 0, second: 0, millisecond: 0 })
      .toUTC();
    const end = clockStart.plus({ days: DAYS });
    const realSeconds = Math.round(realMs / 1000);
    console.error(
      `demo at ${SPEED}× from ${clockStart.toISO()} to ${end.toISO()} (~${realSeconds} s real); log ${logFile}`,
    );
    const samples: { now: string; risk: number; byState: Record<string, number>; version: number }[] = [];
    let last = first;
    let lastPrint = 0;
    while (Date.parse(last.now) < end.toMillis()) {
      if (Date.now() > deadline)
        throw new Error(
          `still short of ${end.toISO()} at ${last.now} after ${Math.round((performance.now() - startedAt) / 1000)} s`,
        );
      if (server.exitCode !== null) throw new Error(`the service exited (${server.exitCode}); see ${logFile}`);
      await new Promise((r) =>
        setTimeout(r, Math.min(2000, Math.max(200, (end.toMillis() - Date.parse(last.now)) / SPEED))),
      );
      last = await overview();
      samples.push({
        now: last.now,
        risk: last.deadlineRisk.count,
        byState: last.jobsByState,
        version: last.plan?.version ?? 0,
      });
      if (performance.now() - lastPrint > 30_000) {
        lastPrint = performance.now();
        const jobsByState = JSON.stringify(last.jobsByState);
        console.error(
          `${last.now}: plan ${last.plan?.version}, deadline risk ${last.deadlineRisk.count}, ${jobsByState}`,
        );
      }
    }
    const finalOverview = last;
    const overviewAt = Date.now();
    await stopServer(server);
    const stopNow = DateTime.fromMillis(Date.parse(finalOverview.now) + (Date.now() - overviewAt) * SPEED, {
      zone: 'utc',
    }).toISO()!;
    server = undefined;
    await tracer?.stop();
    const runSeconds = (performance.now() - startedAt) / 1000;

    const jobs = await readJobs(demo.tenant);
    const figures = {
      ...analyse(jobs, stopNow, tracer, demo, dataRegions, clockStart.toISO()!, siteGpus),
      gpusHeldTallyMismatches: await tallyMismatches(jobs, Object.keys(siteGpus)),
    };
    const log = planLog(logFile);
    const capacityGpuHoursPerDay = Object.values(siteGpus).reduce((a, b) => a + b, 0) * 24;
    const { lateJobs, ...totals } = figures;
    // Uncommitted changes to the service's code make the figures those of the working tree.
    const commit = gitCommit() + (srcChanges().length > 0 ? '+uncommitted changes in src' : '');
    const result = {
      measuredAt: DateTime.utc().toISO(),
      commit: process.env.BENCH_DEMO_COMMIT ?? commit,
      machine: `${availableParallelism()} cores; service (one process, all roles), Redis and this script share them`,
      config: {
        file: CONFIG,
        speed: SPEED,
        days: DAYS,
        jobsPerHour: demo.jobsPerHour,
        gpuScale: demo.gpuScale,
        tenant: demo.tenant,
      },
      run: {
        realSeconds: Math.round(runSeconds),
        clockStart: clockStart.toISO(),
        stoppedAt: stopNow,
        simulatedHours: round(hoursBetween(clockStart.toISO()!, stopNow), 1),
      },
      capacity: {
        gpus: siteGpus,
        gpuHoursPerDay: capacityGpuHoursPerDay,
        offeredGpuHoursPerDay: figures.offeredGpuHoursPerDay,
        offeredShare: round(figures.offeredGpuHoursPerDay / capacityGpuHoursPerDay, 3),
      },
      ...totals,
      deadlineRisk: {
        final: finalOverview.deadlineRisk.count,
        max: Math.max(0, ...samples.map((s) => s.risk)),
        p50: quantile(
          samples.map((s) => s.risk),
          0.5,
        ),
      },
      plannedPeakGridMwhFinal: finalOverview.energy.planned?.peakGridMwh ?? null,
      planLoop: { ...log, plansTraced: tracer?.plans.length ?? null, plansAnnounced: tracer?.announced ?? null },
      target: { lateAmongUnchanged: 0, pausesPerCompletedJob: 1 },
      lateJobsSample: lateJobs
        .sort((a, b) => b.lateHours - a.lateHours)
        .slice(0, 8)
        .map(({ history, ...j }) => ({ ...j, history: history.slice(0, 14) })),
    };
    mkdirSync(dirname(OUT), { recursive: true });
    writeFileSync(OUT, JSON.stringify(result, null, 2) + '\n');
    if (tracer) {
      mkdirSync(dirname(TRACE), { recursive: true });
      writeFileSync(
        TRACE,
        JSON.stringify({
          prefix: PREFIX,
          config: result.config,
          plans: tracer.plans,
          overview: samples,
          lateJobs,
          jobs,
          planEntries: Object.fromEntries(tracer.byJob),
        }) + '\n',
      );
    }
    printTable(result);
    console.error(`wrote ${OUT}${tracer ? ` and ${TRACE}` : ''} in ${Math.round(runSeconds)} s`);
    rmSync(dirname(configPath), { recursive: true, force: true });
  } finally {
    await stop();
  }
}

function printTable(
  r: Record<string, unknown> & {
    config: { speed: number; days: number };
    run: { realSeconds: number; simulatedHours: number };
  },
) {
  const x = r as unknown as ReturnType<typeof analyse> & {
    deadlineRisk: { final: number; max: number };
    capacity: { offeredShare: number };
    gpusHeldTallyMismatches: number;
  };
  const rows: [string, unknown][] = [
    [
      'speed × days',
      `${r.config.speed}× × ${r.config.days} d (${r.run.simulatedHours} h simulated, ${r.run.realSeconds} s real)`,
    ],
    ['submitted / accepted / refused', `${x.submitted} / ${x.accepted} / ${x.refused}`],
    ['offered load (share of GPU-hours)', x.capacity.offeredShare],
    ['completed', x.completed],
    ['completed late', `${x.completedLate} (${round((x.completedLateShare ?? 0) * 100, 1)}%)`],
    ['late hours max / p50', `${x.lateHoursMax} / ${x.lateHoursP50}`],
    ['late naming a change', x.lateNamingAChange],
    ['late cause (plans)', JSON.stringify(x.lateCauseFromPlans)],
    ['active past deadline', x.activePastDeadline],
    ['pauses per completed job', x.pausesPerCompletedJob],
    ['moves', x.moves],
    [
      `runs < ${SHORT_RUN_MINUTES} min (paused / completed)`,
      `${x.shortRuns.endedByPause} / ${x.shortRuns.endedByCompletion}`,
    ],
    ['deadline risk final / max', `${x.deadlineRisk.final} / ${x.deadlineRisk.max}`],
    [
      `GPUs above a site's count: most / > ${LASTING_OVERLAP_REAL_MS / 1000} real s (times, most)`,
      Object.entries(x.aboveCapacity)
        .map(([site, a]) => `${site} ${a.maxAbove} / ${a.lasting}, ${a.maxAboveLasting}`)
        .join('; '),
    ],
    ['GPUs-held tally entries not matching their record', x.gpusHeldTallyMismatches],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${String(v)}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
