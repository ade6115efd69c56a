/**
 * npm run bench:slurm — how long a pause takes on a real Slurm cluster: 100 jobs submitted held,
 * released at the windy hour's boundary (07:00), then paused at the plan's peak boundary (09:00);
 * measured is the real time from each boundary (on the service's virtual clock) to `squeue` showing
 * all 100 running, then all 100 held.
 * Needs the throwaway cluster with room for 100 one-GPU jobs:
 *   SLURM_TEST_GPUS=128 bash scripts/slurm-cluster.sh start
 * Writes bench/results/slurm.json with where the pause's time went (`pausePhases`, real ms after the
 * boundary): the new hour's plan sending the pause actions (BullMQ's timestamps on the site's
 * dispatch queue), the worker carrying them out, each Slurm job leaving RUNNING (squeue sampled
 * every 250 ms), and held. Absolute times depend on the machine (2 cores shared by everything):
 * the load average (`uptime`) before and after is in the result. BENCH_NODE_ARGS adds flags to the
 * service's node (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` for a CPU profile of the boundary).
 */
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { DateTime } from 'luxon';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { LINE_FORMAT, parseSqueueLines, type SlurmJob } from '../src/execution/executors/slurm/slurm-queue.js';
import { postWestForecast, submit, testConfigWith } from '../test/support/execution.js';
import { SLURM_CONF, slurmCli, slurmUnavailable } from '../test/support/slurm.js';
import { OPERATOR } from '../test/support/test-app.js';
import { cleanup, gitCommit, REDIS_URL, startServer, stopServer } from './bench-support.js';

const JOBS = 100;
const SITE = 'west-hub';
/** Wind from 07:00 UTC: the boundary the plan starts the jobs at. */
const START = DateTime.fromISO('2026-03-02T07:00:00Z', { zone: 'utc' });
/** Zone west's peak begins at 09:00 UTC (17:00 Shanghai): the boundary the plan pauses at. */
const BOUNDARY = DateTime.fromISO('2026-03-02T09:00:00Z', { zone: 'utc' });
/**
 * Two minutes per second from 06:00: 30 real seconds to submit the jobs (admitted held), a minute
 * between the start and the peak.
 */
const SPEED = 120;
const CLOCK_START = START.minus({ hours: 1 });
const PORT = 3916;
const PREFIX = `{bench-slurm-${Date.now()}}:`;
const TARGET_MS = 5000;
/** How often the bench reads squeue while it waits (its resolution). */
const SAMPLE_MS = 250;

async function main(): Promise<void> {
  const unavailable = slurmUnavailable();
  if (unavailable) throw new Error(unavailable);
  const loadBefore = loadavg().map((l) => Number(l.toFixed(2)));
  // Every squeue call costs slurmctld (and squeue) in proportion to all the jobs it keeps (MinJobAge).
  const slurmJobsBefore = (await slurmCli.run('squeue', ['--noheader', '--states=all', '--format=%i']))
    .split('\n')
    .filter(Boolean).length;
  const configPath = testConfigWith((config) => {
    (config.sites as { id: string; executor: unknown }[]).find((s) => s.id === SITE)!.executor = {
      type: 'slurm',
      slurmConf: SLURM_CONF,
      partition: 'gpu',
      // pollMs: the default (2 s); the pause does not wait for the poll.
      timeoutMs: 15_000,
      attempts: 8,
      backoffMs: 500,
    };
  });
  // The built service (decorator metadata: Nest's injection needs the compiled code), on a virtual clock.
  const nodeArgs = process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const server = await startServer('node', [...nodeArgs, 'dist/main.js'], PORT, {
    WESTWIND_CONFIG: configPath,
    WESTWIND_PREFIX: PREFIX,
    WESTWIND_ROLES: 'api,planner,dispatch',
    WESTWIND_CLOCK: 'virtual',
    WESTWIND_CLOCK_SPEED: String(SPEED),
    WESTWIND_CLOCK_START: CLOCK_START.toISO()!,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  });
  const http = `http://127.0.0.1:${PORT}`;
  // The service's clock, read once: each boundary's real instant follows from its speed.
  const overview = (await (await fetch(`${http}/dashboard/api/overview`, { headers: OPERATOR })).json()) as {
    now: string;
  };
  const anchor = { at: DateTime.fromISO(overview.now), real: Date.now() };
  const realAt = (at: DateTime) => anchor.real + at.diff(anchor.at).toMillis() / SPEED;
  const workdir = mkdtempSync(join(tmpdir(), 'westwind-bench-slurm-'));
  const ids: string[] = [];
  try {
    // Wind 07:00–09:00 and 14:00–16:00 (as in the Slurm e2e): the jobs run at 07:00, pause at 09:00, resume at 14:00.
    const windy = (at: DateTime) => (at.hour >= 7 && at.hour < 9) || (at.hour >= 14 && at.hour < 16);
    await postWestForecast(http, CLOCK_START, 48, (at) => (windy(at) ? 1000 : 0), CLOCK_START);
    const script = readFileSync('examples/slurm/train.sh', 'utf8');
    for (let i = 0; i < JOBS; i++) {
      const job = {
        name: `bench-${i}`,
        gpus: 1,
        sites: [SITE],
        runtimeHours: 3,
        deadline: BOUNDARY.plus({ hours: 9 }).toISO(),
        checkpointMinutes: 10,
        deferrable: true,
        // One-minute steps: on a real cluster the jobs run on compute nodes, not on the cores of slurmctld and
        // Westwind; here they share two, and a fork a second per job would be what the bench measures.
        // train.sh's trap still checkpoints at once on SIGTERM (it waits on its step in the background).
        slurm: { script, workdir, environment: { TRAIN_STEPS: '100000', TRAIN_STEP_SECONDS: '60' } },
      };
      ids.push(await submit(http, job));
    }
    const names = new Set(ids.map((id) => `westwind-${id}`));
    const ours = async () =>
      parseSqueueLines(await slurmCli.run('squeue', ['--noheader', `--format=${LINE_FORMAT}`])).filter((j) =>
        names.has(j.name),
      );
    const submittedBy = Date.now() - realAt(START);
    const startAt = realAt(START);
    let heldBeforeStart = 0;
    while (Date.now() < startAt - 300) {
      heldBeforeStart = (await ours()).filter((j) => j.held).length;
      await new Promise((r) => setTimeout(r, 200));
    }
    const started = await watch(ours, startAt, (j) => j.state === 'RUNNING', realAt(BOUNDARY) - 500);

    const boundaryAt = realAt(BOUNDARY);
    // Running just before the boundary: under load Slurm may have requeued some since (a launch timed out).
    let runningAtBoundary = started.count;
    while (Date.now() < boundaryAt - 400) {
      runningAtBoundary = (await ours()).filter((j) => j.state === 'RUNNING').length;
      await new Promise((r) => setTimeout(r, SAMPLE_MS));
    }
    const paused = await watch(ours, boundaryAt, (j) => j.held, boundaryAt + 120_000);
    const phases = await pausePhases(boundaryAt, paused);
    const commit = process.env.BENCH_COMMIT ?? gitCommit();
    const result = {
      measuredAt: DateTime.utc().toISO(),
      commit,
      machine:
        `${availableParallelism()} cores shared by the bench, the service (one process, all roles), Redis, ` +
        `the single-node Slurm cluster (slurmctld, slurmd, ${JOBS} job scripts) and whatever else runs there`,
      loadAverage: { before: loadBefore, after: loadavg().map((l) => Number(l.toFixed(2))) },
      slurmJobsBefore,
      jobs: JOBS,
      pauseMode: 'requeue',
      // ms after the 07:00 boundary when all jobs had been submitted through the API (negative: before).
      allSubmittedMs: submittedBy,
      heldBeforeStart,
      startToAllRunningMs: started.allMs,
      runningAtBoundary,
      boundaryToAllHeldMs: paused.allMs,
      targetMs: TARGET_MS,
      // Only a pause of all the jobs running counts.
      met: runningAtBoundary === JOBS && paused.allMs !== null && paused.allMs <= TARGET_MS,
      heldAfterBoundary: paused.count,
      pausePhases: phases,
    };
    mkdirSync('bench/results', { recursive: true });
    writeFileSync('bench/results/slurm.json', `${JSON.stringify(result, null, 2)}\n`);
    console.log(JSON.stringify(result, null, 2));
  } finally {
    // The service first: its poll would submit a job whose held Slurm job was cancelled under it anew.
    await stopServer(server);
    for (const id of ids) await slurmCli.run('scancel', [`--name=westwind-${id}`]).catch(() => undefined);
    await cleanup([PREFIX]);
  }
}

interface Watched {
  /** Real ms after the boundary when every job was so; null if not by the deadline. */
  allMs: number | null;
  /** Jobs so at the end. */
  count: number;
  /** Real ms after the boundary at which each job was first seen out of RUNNING, and first seen so. */
  left: number[];
  reached: number[];
}

/** Samples squeue from `from` (real ms) until every job is `so` or `deadline` passes. */
async function watch(
  ours: () => Promise<SlurmJob[]>,
  from: number,
  so: (job: SlurmJob) => boolean,
  deadline: number,
): Promise<Watched> {
  const left = new Map<string, number>();
  const reached = new Map<string, number>();
  let count = 0;
  for (;;) {
    const jobs = await ours();
    const at = Date.now() - from;
    for (const j of jobs) {
      if (j.state !== 'RUNNING' && !left.has(j.name)) left.set(j.name, at);
      if (so(j) && !reached.has(j.name)) reached.set(j.name, at);
    }
    count = jobs.filter(so).length;
    const done = jobs.length === JOBS && count === JOBS;
    if (done || Date.now() > deadline)
      return { allMs: done ? at : null, count, left: [...left.values()], reached: [...reached.values()] };
    // Every squeue costs slurmctld a pass over all its jobs: the watcher samples, it does not hammer.
    await new Promise((r) => setTimeout(r, SAMPLE_MS));
  }
}

/** Where the time between the boundary and all held went (real ms after the boundary; min and max over the jobs). */
async function pausePhases(boundaryAt: number, paused: Watched) {
  const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const queue = new Queue(`dispatch-${SITE}`, { connection, prefix: `${PREFIX}bull` });
  try {
    const pauses = (await queue.getJobs(['completed', 'failed', 'active', 'waiting', 'delayed'])).filter(
      (j) => j?.name === 'pause' && j.timestamp >= boundaryAt - 5_000,
    );
    const span = (values: number[]) =>
      values.length === 0 ? null : { first: Math.min(...values), last: Math.max(...values) };
    const after = (values: (number | undefined)[]) =>
      span(values.filter((v): v is number => v !== undefined).map((v) => v - boundaryAt));
    return {
      pauseActions: pauses.length,
      // Attempts that failed (retried with backoff), and starts beyond one (retries, and waits for another action).
      pauseRetries: pauses.reduce((n, j) => n + Math.max(0, j.attemptsMade - 1), 0),
      pauseRestarts: pauses.reduce((n, j) => n + Math.max(0, j.attemptsStarted - 1), 0),
      actionsSent: after(pauses.map((j) => j.timestamp)),
      actionsStarted: after(pauses.map((j) => j.processedOn)),
      actionsDone: after(pauses.map((j) => j.finishedOn)),
      slurmLeftRunning: span(paused.left.filter((at) => at >= 0)),
      slurmHeld: span(paused.reached.filter((at) => at >= 0)),
    };
  } finally {
    await queue.close();
    connection.disconnect();
  }
}

await main();
process.exit(0);
