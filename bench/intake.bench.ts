/**
 * npm run bench:intake — autocannon against Westwind's POST /v1/jobs and, in the same run, against
 * the ceiling (bare Express + BullMQ queue.add on the same Redis). Prints jobs/s and latency for
 * both and their ratio; writes bench/results/intake.json. Absolute figures depend on the machine;
 * the ratio is the comparable number.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { DateTime } from 'luxon';
import { cleanup, postLoad, round, startServer, stopServer } from './bench-support.js';

const DURATION_S = Number(process.env.BENCH_SECONDS ?? 20);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const RUN = `bench-${Date.now()}`;
/** Westwind's HTTP workers; the ceiling server is one process, the figure it is known by. */
const WORKERS = Number(process.env.BENCH_WORKERS ?? 2);

const body = JSON.stringify({
  name: 'bench',
  gpus: 8,
  runtimeHours: 4,
  deadline: DateTime.utc().plus({ days: 3 }).toISO(),
});

async function main(): Promise<void> {
  const westwindPrefix = `{${RUN}:westwind}:`;
  const ceilingPrefix = `${RUN}:ceiling`;
  const headers = { 'content-type': 'application/json', authorization: 'Bearer ww-demo-key-change-me' };
  const measure = async (url: string) => {
    await postLoad([url], headers, body, 3, CONNECTIONS); // warm-up: JIT, connection pools
    return postLoad([url], headers, body, DURATION_S, CONNECTIONS);
  };
  const servers: ChildProcess[] = [];
  try {
    // The API role alone: in production the planner runs in its own process (WESTWIND_ROLES), and
    // here it would re-plan the tens of thousands of jobs the benchmark submits, on the same cores.
    const westwindEnv = {
      WESTWIND_PREFIX: westwindPrefix,
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
      WESTWIND_ROLES: process.env.BENCH_ROLES ?? 'api',
    };
    servers.push(
      await startServer('node', ['dist/main.js'], 3900, { ...westwindEnv, WESTWIND_WORKERS: String(WORKERS) }),
    );
    servers.push(await startServer('node', ['dist/main.js'], 3902, { ...westwindEnv, WESTWIND_WORKERS: '1' }));
    servers.push(
      await startServer('node', ['--import', 'tsx', 'bench/ceiling-server.ts'], 3901, {
        WESTWIND_PREFIX: ceilingPrefix,
      }),
    );
    const westwind = { workers: WORKERS, ...(await measure('http://127.0.0.1:3900/v1/jobs')) };
    const westwindOneWorker = { workers: 1, ...(await measure('http://127.0.0.1:3902/v1/jobs')) };
    const ceiling = { workers: 1, ...(await measure('http://127.0.0.1:3901/v1/jobs')) };
    const result = {
      measuredAt: DateTime.utc().toISO(),
      machine: `${availableParallelism()} cores; load generator, service and Redis share them`,
      durationSeconds: DURATION_S,
      connections: CONNECTIONS,
      westwind,
      westwindOneWorker,
      ceiling,
      ratio: round(westwind.jobsPerSec / ceiling.jobsPerSec, 3),
      ratioOneWorker: round(westwindOneWorker.jobsPerSec / ceiling.jobsPerSec, 3),
      roles: westwindEnv.WESTWIND_ROLES,
      targets: { jobsPerSec: 2000, p99Ms: 50, ratio: 0.5 },
    };
    mkdirSync('bench/results', { recursive: true });
    writeFileSync('bench/results/intake.json', JSON.stringify(result, null, 2) + '\n');
    console.table({
      [`westwind (${WORKERS} workers)`]: westwind,
      'westwind (1 worker)': westwindOneWorker,
      'ceiling (express + queue.add)': ceiling,
    });
    const targets = 'targets: >= 2000 jobs/s, p99 <= 50 ms, ratio >= 0.5';
    console.log(`ratio westwind/ceiling: ${result.ratio} (1 worker: ${result.ratioOneWorker}); ${targets}`);
  } finally {
    await Promise.all(servers.map(stopServer));
    await cleanup([westwindPrefix, ceilingPrefix]);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
