/**
 * npm run bench:slurm — how long a pause takes on a real Slurm cluster: 100 jobs submitted held and
 * released (running from a windy hour), then the plan's peak hour boundary pauses them all; measured
 * is the real time from the boundary (on the service's virtual clock) to `squeue` showing all 100 held.
 * Needs the throwaway cluster with room for 100 one-GPU jobs:
 *   SLURM_TEST_GPUS=128 bash scripts/slurm-cluster.sh start
 * Writes bench/results/slurm.json. Absolute times depend on the machine (2 cores shared by everything).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import { LINE_FORMAT, parseSqueueLines } from '../src/execution/executors/slurm/slurm-queue.js';
import { postWestForecast, submit, testConfigWith, until } from '../test/support/execution.js';
import { SLURM_CONF, slurmCli, slurmUnavailable } from '../test/support/slurm.js';
import { OPERATOR } from '../test/support/test-app.js';
import { cleanup, startServer, stopServer } from './bench-support.js';

const JOBS = 100;
const SITE = 'west-hub';
/** Zone west's peak begins at 09:00 UTC (17:00 Shanghai): the boundary the plan pauses at. */
const BOUNDARY = DateTime.fromISO('2026-03-02T09:00:00Z', { zone: 'utc' });
/** Two minutes per second from 07:00: a real minute to submit and start the jobs before the boundary. */
const SPEED = 120;
const PORT = 3916;
const PREFIX = `{bench-slurm-${Date.now()}}:`;

async function main(): Promise<void> {
  const unavailable = slurmUnavailable();
  if (unavailable) throw new Error(unavailable);
  const configPath = testConfigWith((config) => {
    (config.sites as { id: string; executor: unknown }[]).find((s) => s.id === SITE)!.executor = {
      type: 'slurm',
      slurmConf: SLURM_CONF,
      partition: 'gpu',
      pollMs: 1000,
      timeoutMs: 15_000,
      attempts: 8,
      backoffMs: 500,
    };
  });
  // The built service (decorator metadata: Nest's injection needs the compiled code), on a virtual clock.
  const server = await startServer('node', ['dist/main.js'], PORT, {
    WESTWIND_CONFIG: configPath,
    WESTWIND_PREFIX: PREFIX,
    WESTWIND_ROLES: 'api,planner,dispatch',
    WESTWIND_CLOCK: 'virtual',
    WESTWIND_CLOCK_SPEED: String(SPEED),
    WESTWIND_CLOCK_START: BOUNDARY.minus({ hours: 2 }).toISO()!,
    LOG_LEVEL: 'warn',
  });
  const http = `http://127.0.0.1:${PORT}`;
  // The service's clock, read once: the boundary's real instant follows from its speed.
  const overview = (await (await fetch(`${http}/dashboard/api/overview`, { headers: OPERATOR })).json()) as {
    now: string;
  };
  const anchor = { at: DateTime.fromISO(overview.now), real: Date.now() };
  const workdir = mkdtempSync(join(tmpdir(), 'westwind-bench-slurm-'));
  const ids: string[] = [];
  try {
    // Wind 07:00–09:00 and 14:00–16:00 (as in the Slurm e2e): the jobs run now, pause at 09:00, resume at 14:00.
    const from = BOUNDARY.minus({ hours: 2 });
    const windy = (at: DateTime) => (at.hour >= 7 && at.hour < 9) || (at.hour >= 14 && at.hour < 16);
    await postWestForecast(http, from, 48, (at) => (windy(at) ? 1000 : 0), from);
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
        slurm: { script, workdir, environment: { TRAIN_STEPS: '100000' } },
      };
      ids.push(await submit(http, job));
    }
    const ours = async () =>
      parseSqueueLines(await slurmCli.run('squeue', ['--noheader', `--format=${LINE_FORMAT}`])).filter((j) =>
        ids.some((id) => j.name === `westwind-${id}`),
      );
    // Running (or, on a slow machine, some still starting) when the boundary comes.
    const boundaryAt = anchor.real + BOUNDARY.diff(anchor.at).toMillis() / SPEED;
    let running = 0;
    while (Date.now() < boundaryAt - 500) {
      running = (await ours()).filter((j) => j.state === 'RUNNING').length;
      if (running === JOBS) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const held = await until(ours, (jobs) => jobs.length === JOBS && jobs.every((j) => j.held), 120_000);
    const heldMs = Date.now() - boundaryAt;
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const result = {
      measuredAt: DateTime.utc().toISO(),
      commit,
      machine:
        `${availableParallelism()} cores shared by the bench, the service (one process, all roles), Redis ` +
        `and the single-node Slurm cluster (slurmctld, slurmd, ${JOBS} job scripts)`,
      jobs: JOBS,
      pauseMode: 'requeue',
      runningBeforeBoundary: running,
      boundaryToAllHeldMs: heldMs,
      targetMs: 5000,
      met: heldMs <= 5000,
      slurmJobsSeen: held.length,
    };
    mkdirSync('bench/results', { recursive: true });
    writeFileSync('bench/results/slurm.json', `${JSON.stringify(result, null, 2)}\n`);
    console.log(JSON.stringify(result, null, 2));
  } finally {
    for (const id of ids) await slurmCli.run('scancel', [`--name=westwind-${id}`]).catch(() => undefined);
    await stopServer(server);
    await cleanup([PREFIX]);
  }
}

await main();
process.exit(0);
