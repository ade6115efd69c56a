/**
 * npm run bench:flex — issue #20's target "a 25% site-wide cut held for 3 h at ≥ 0.9 weighted
 * throughput in the simulated executor", measured on the built service (all roles, one process,
 * real Redis and HTTP) from outside.
 *
 * One simulated site on grid power (no forecast: no green supply, no peak hours), BENCH_FLEX_JOBS
 * running jobs (default 12; 8, 16, 32 and 64 GPUs in turn, 24 h of work each, not deferrable) that
 * all declare the issue's curve `{ minFraction: 0.5, throughput: [[1,1],[0.7,0.9],[0.5,0.7]] }`.
 * Then an OpenADR 3 IMPORT_CAPACITY_LIMIT starting now, for 3 h, at 75% of their draw, and the
 * virtual clock (BENCH_FLEX_SPEED, default 120×: the 3 h pass in 90 s) runs through it.
 *
 * Measured:
 * - **notification → all capped**: wall-clock ms from just before the POST to the last `setPower` in
 *   the simulated site's own log (its entries are on the service clock: divided by the speed), and
 *   as observed by polling that log;
 * - **weighted throughput**: the work done in the event's 3 h (each job's work at the event's start
 *   and end, from its last progress report — the site's own count — carried to the instant along
 *   the power steps recorded on the job) over the work at full power (3 h each), GPU-weighted;
 * - **energy cut**: the energy drawn in the event's 3 h, metered as the service meters it (full
 *   power × the fraction of each recorded power step), against full power for 3 h; and the event's
 *   own report (`GET /v1/events/:id/report`): baseline, metered and curtailed per hour (whole UTC
 *   hours: the first and the last are shared with time outside the event);
 * - pauses during the event (none expected) and when the cap was lifted afterwards.
 *
 * Writes bench/results/flex.json (BENCH_FLEX_OUT) with measuredAt and the machine. Removes its
 * Redis keys and stops the service on the way out, also on error and on SIGINT/SIGTERM.
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Redis } from 'ioredis';
import { DateTime } from 'luxon';
import { stringify } from 'yaml';
import { loadWestwindConfig } from '../src/config/westwind-config.js';
import type { PowerCurve } from '../src/domain/energy/power-curve.js';
import { workBetween } from '../src/domain/execution/job-run.js';
import type { PowerStep } from '../src/domain/jobs/job.js';
import type { SimulatedLogEntry } from '../src/execution/executors/simulated/simulated.executor.js';
import { RedisKeys } from '../src/redis/redis-keys.js';
import { cleanup, REDIS_URL, round, startServer, stopServer } from './bench-support.js';

const JOBS = Number(process.env.BENCH_FLEX_JOBS ?? 12);
const SPEED = Number(process.env.BENCH_FLEX_SPEED ?? 120);
const PORT = Number(process.env.BENCH_FLEX_PORT ?? 3930);
const OUT = process.env.BENCH_FLEX_OUT ?? 'bench/results/flex.json';
const PREFIX = `{bench-flex-${Date.now()}}:`;
const HOUR_MS = 3_600_000;
/** The cut: the site's import capped at 75% of the jobs' draw, for 3 h from now. */
const CUT = 0.25;
const EVENT_HOURS = 3;
/** The notification-to-action budget, on the wall clock. */
const BUDGET_MS = 30_000;
/** 09:00 UTC on a Monday; the zone has no peak rules, so the hour plays no part. */
const CLOCK_START = '2026-03-02T09:00:00Z';

const SITE = { id: 'flex-hub', zone: 'flex', gpus: 1024, kwPerGpu: 0.7, pue: 1.2 };
const CURVE: PowerCurve = {
  minFraction: 0.5,
  throughput: [
    [1, 1],
    [0.7, 0.9],
    [0.5, 0.7],
  ],
};
const TENANT_KEY = 'bench-flex-tenant-key-0001';
const OPERATOR_KEY = 'bench-flex-operator-key-01';
const OPENADR_TOKEN = 'bench-flex-openadr-token-01';
const base = `http://127.0.0.1:${PORT}`;
const keys = new RedisKeys(PREFIX);

interface JobView {
  id: string;
  gpus: number;
  state: string;
  run?: {
    doneHours: number;
    reportedAt: string;
    powerFraction?: number;
    segments: { site: string; start: string; end?: string; power?: PowerStep[] }[];
  };
  pendingAction?: unknown;
}

function benchConfig(): string {
  const config = {
    zones: [{ id: 'flex', timeZone: 'UTC' }],
    sites: [SITE],
    tenants: [{ id: 'bench', apiKeys: [TENANT_KEY] }],
    operators: [{ id: 'ops', apiKeys: [OPERATOR_KEY] }],
    rateLimits: { tenant: { requests: 1_000_000, perSeconds: 1 }, sender: { requests: 1_000_000, perSeconds: 1 } },
    openadr: [
      {
        id: 'flex-vtn',
        token: OPENADR_TOKEN,
        programs: [{ programId: 'flex-dr', zone: 'flex', sites: [SITE.id], capacityUnit: 'kW' }],
      },
    ],
  };
  const path = join(mkdtempSync(join(tmpdir(), 'westwind-flex-bench-')), 'westwind.yaml');
  writeFileSync(path, stringify(config));
  loadWestwindConfig(path, {}); // refused here, with the reason, rather than by the child
  return path;
}

async function call<T>(method: string, path: string, key: string, body?: unknown): Promise<T> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${text.slice(0, 300)}`);
  try {
    return JSON.parse(text) as T;
  } catch {
    return text as T;
  }
}

/** The service clock, read from GET /v1/clock, as a function of the wall clock (the request's midpoint). */
async function calibrateClock(): Promise<(wallMs: number) => number> {
  const before = Date.now();
  const { now } = await call<{ now: string }>('GET', '/v1/clock', TENANT_KEY);
  const wall = (before + Date.now()) / 2;
  const service = Date.parse(now);
  return (wallMs) => service + (wallMs - wall) * SPEED;
}

async function until<T>(probe: () => Promise<T>, ok: (v: T) => boolean, withinMs: number, everyMs = 100): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (ok(value)) return value;
    if (Date.now() - started > withinMs) throw new Error(`not met within ${withinMs} ms: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

const getJobs = (ids: string[]) => Promise.all(ids.map((id) => call<JobView>('GET', `/v1/jobs/${id}`, TENANT_KEY)));

/**
 * Hours of work a running job had done at `atMs`: its last progress report (the site's count),
 * carried forward or back to the instant along the power steps recorded on its open run segment.
 */
function workAt(job: JobView, atMs: number): number {
  const run = job.run!;
  const steps = run.segments.at(-1)?.power;
  const reported = Date.parse(run.reportedAt);
  return atMs >= reported
    ? run.doneHours + workBetween(CURVE, steps, reported, atMs)
    : run.doneHours - workBetween(CURVE, steps, atMs, reported);
}

/** Share of full power × hours a job drew from `fromMs` to `toMs` along its power steps (as the meter counts). */
function powerHours(job: JobView, fromMs: number, toMs: number): number {
  const steps = job.run!.segments.at(-1)?.power ?? [];
  let fraction = 1;
  let cursor = fromMs;
  let total = 0;
  for (const step of steps) {
    const at = Date.parse(step.at);
    if (at > cursor) {
      const end = Math.min(at, toMs);
      total += ((end - cursor) / HOUR_MS) * fraction;
      cursor = end;
    }
    fraction = step.fraction;
    if (cursor >= toMs) return total;
  }
  return total + (Math.max(0, toMs - cursor) / HOUR_MS) * fraction;
}

const git = (...args: string[]) => execFileSync('git', args, { encoding: 'utf8' }).trim();

const jobMw = (gpus: number) => (gpus * SITE.kwPerGpu * SITE.pue) / 1000;

async function main(): Promise<void> {
  // What is built and measured: taken before the service starts (others commit in this checkout meanwhile).
  const commit = git('rev-parse', 'HEAD');
  const uncommittedSrc = git('status', '--porcelain', '--', 'src').split('\n').filter(Boolean);
  const configPath = benchConfig();
  const redis = new Redis(REDIS_URL);
  let server: ChildProcess | undefined;
  const stop = async () => {
    if (server) await stopServer(server);
    await cleanup([PREFIX]);
    redis.disconnect();
  };
  const onSignal = () => void stop().finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    server = await startServer('node', ['dist/main.js'], PORT, {
      WESTWIND_CONFIG: configPath,
      WESTWIND_PREFIX: PREFIX,
      WESTWIND_ROLES: 'api,planner,dispatch',
      WESTWIND_CLOCK: 'virtual',
      WESTWIND_CLOCK_START: CLOCK_START,
      WESTWIND_CLOCK_SPEED: String(SPEED),
      LOG_LEVEL: 'warn',
    });
    const serviceAt = await calibrateClock();

    // The running jobs.
    const gpus = Array.from({ length: JOBS }, (_, i) => [8, 16, 32, 64][i % 4]);
    const deadline = DateTime.fromMillis(serviceAt(Date.now()), { zone: 'utc' }).plus({ hours: 96 }).toISO();
    const ids: string[] = [];
    for (const [i, g] of gpus.entries()) {
      const job = await call<{ id: string }>('POST', '/v1/jobs', TENANT_KEY, {
        name: `flex-${i}`,
        gpus: g,
        runtimeHours: 24,
        deadline,
        deferrable: false,
        interruptible: true,
        sites: [SITE.id],
        power: CURVE,
      });
      ids.push(job.id);
    }
    await until(
      () => getJobs(ids),
      (all) => all.every((j) => j.state === 'running' && j.pendingAction === undefined),
      120_000,
    );
    const fullMw = gpus.reduce((sum, g) => sum + jobMw(g), 0);
    const capKw = (1 - CUT) * fullMw * 1000;

    // The event, starting now; timed from just before the POST to the last setPower at the site.
    const logKey = keys.simulatedSiteLog(SITE.id);
    const logged = await redis.llen(logKey);
    const sentWall = Date.now();
    const t0 = serviceAt(sentWall);
    const start = DateTime.fromMillis(t0, { zone: 'utc' });
    const event = {
      id: 'cut-25',
      programID: 'flex-dr',
      eventName: 'flex-bench-25pct-3h',
      intervalPeriod: { start: start.toISO(), duration: `PT${EVENT_HOURS}H` },
      intervals: [{ id: 0, payloads: [{ type: 'IMPORT_CAPACITY_LIMIT', values: [capKw] }] }],
    };
    await call('POST', '/v1/webhooks/openadr', OPENADR_TOKEN, {
      objectType: 'EVENT',
      operation: 'POST',
      object: event,
    });
    const cappedLog = await until(
      async () =>
        (await redis.lrange(logKey, logged, -1))
          .map((line) => JSON.parse(line) as SimulatedLogEntry)
          .filter((e) => e.action === 'setPower'),
      (entries) => ids.every((id) => entries.some((e) => e.jobId === id)),
      BUDGET_MS * 4,
      10,
    );
    const observedMs = Date.now() - sentWall;
    const atSiteMs = (Math.max(...cappedLog.map((e) => Date.parse(e.at))) - t0) / SPEED;
    const recorded = await until(
      () => getJobs(ids),
      (all) => all.every((j) => j.run?.powerFraction !== undefined && j.pendingAction === undefined),
      BUDGET_MS * 4,
      50,
    );
    const recordedMs = Date.now() - sentWall;
    console.log(
      `IMPORT_CAPACITY_LIMIT ${round(capKw, 1)} kW (75% of ${round(fullMw * 1000, 1)} kW): all ${JOBS} jobs capped ` +
        `at the site ${round(atSiteMs, 0)} ms after the notification (observed ${observedMs} ms, on every record ` +
        `${recordedMs} ms); fractions ${[...new Set(recorded.map((j) => round(j.run!.powerFraction!, 4)))].join(', ')}`,
    );

    // Through the event's 3 h on the virtual clock, and until the cap is lifted after it.
    const t1 = t0 + EVENT_HOURS * HOUR_MS;
    await new Promise((r) => setTimeout(r, Math.max(0, (t1 - serviceAt(Date.now())) / SPEED) + 1000));
    const lifted = await until(
      () => getJobs(ids),
      (all) => all.every((j) => j.run?.powerFraction === undefined && j.pendingAction === undefined),
      (1.5 * HOUR_MS) / SPEED + 30_000,
      250,
    );
    const report = await call<{
      hours: { hour: string; baselineMw: number; meteredMw: number | null; curtailedMw: number | null }[];
      totals: Record<string, number | boolean>;
    }>('GET', '/v1/events/flex-dr:cut-25/report', OPERATOR_KEY);
    const siteLog = (await redis.lrange(logKey, 0, -1)).map((line) => JSON.parse(line) as SimulatedLogEntry);

    // The figures over exactly [t0, t1].
    const perJob = lifted.map((job, i) => {
      const work = workAt(job, t1) - workAt(job, t0);
      const steps = job.run!.segments.at(-1)?.power ?? [];
      return {
        gpus: gpus[i],
        segments: job.run!.segments.length,
        fractions: steps.map((s) => round(s.fraction, 4)),
        cappedAtService: steps[0]?.at,
        liftedAtService: steps.at(-1)?.fraction === 1 ? steps.at(-1)!.at : null,
        work: round(work, 4),
        energyShare: round(powerHours(job, t0, t1) / EVENT_HOURS, 4),
      };
    });
    const gpuSum = gpus.reduce((a, b) => a + b, 0);
    const weightedThroughput = perJob.reduce((sum, j) => sum + j.gpus * j.work, 0) / (gpuSum * EVENT_HOURS);
    const energyMwh = lifted.reduce((sum, job, i) => sum + jobMw(gpus[i]) * powerHours(job, t0, t1), 0);
    const fullMwh = fullMw * EVENT_HOURS;
    const pauses = siteLog.filter((e) => e.action === 'pause').length;
    const lastLift = perJob
      .map((j) => j.liftedAtService)
      .filter((at): at is string => at !== null)
      .sort()
      .at(-1);

    const result = {
      measuredAt: new Date().toISOString(),
      commit,
      /** Files under src/ changed in the working tree when the service was built (others work in this checkout). */
      uncommittedSrc,
      machine: {
        cpus: availableParallelism(),
        model: cpus()[0]?.model,
        node: process.version,
        loadAverage1m: round(loadavg()[0], 2),
        note: 'shared 2-core machine: client, service and Redis on the same cores',
      },
      setup: {
        jobs: JOBS,
        gpus: gpuSum,
        gpusPerJob: gpus,
        curve: CURVE,
        site: SITE,
        fullPowerKw: round(fullMw * 1000, 3),
        capKw: round(capKw, 3),
        cut: CUT,
        eventHours: EVENT_HOURS,
        clockSpeed: SPEED,
        eventStart: start.toISO(),
      },
      notificationToCapped: {
        atSiteMs: round(atSiteMs, 0),
        observedMs,
        recordedOnEveryJobMs: recordedMs,
        budgetMs: BUDGET_MS,
      },
      weightedThroughput: round(weightedThroughput, 4),
      target: { weightedThroughput: 0.9, met: weightedThroughput >= 0.9 },
      energy: {
        fullPowerMwh: round(fullMwh, 5),
        drawnMwh: round(energyMwh, 5),
        cutMwh: round(fullMwh - energyMwh, 5),
        cutShare: round(1 - energyMwh / fullMwh, 4),
      },
      pausesDuringEvent: pauses,
      capLiftedAt: lastLift,
      eventReport: { hours: report.hours, totals: report.totals },
      perJob,
    };
    mkdirSync(dirname(OUT), { recursive: true });
    writeFileSync(OUT, JSON.stringify(result, null, 2) + '\n');
    console.table(
      perJob.map(({ gpus: g, fractions, work, energyShare }) => ({ gpus: g, fractions, work, energyShare })),
    );
    console.log(
      `${EVENT_HOURS} h at a ${CUT * 100}% cut: weighted throughput ${round(weightedThroughput, 4)} (target ≥ 0.9), ` +
        `energy cut ${round(100 * result.energy.cutShare, 2)}% ` +
        `(${result.energy.cutMwh} of ${result.energy.fullPowerMwh} MWh), ${pauses} pause(s); ` +
        `event report: curtailed ${String(report.totals.curtailedMwh)} MWh of ` +
        `${String(report.totals.baselineMwh)} baseline; written to ${OUT}`,
    );
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
