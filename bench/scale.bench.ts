/**
 * npm run bench:scale — intake throughput of 1, 2 and 3 separate Westwind instances (API role, one
 * process each, own port) on one Redis, in one run. The load (autocannon, 32 connections in all) is
 * split evenly over the instances, as a round-robin load balancer would. Writes
 * bench/results/scale.json with jobs/s per instance count and the ratios to one instance.
 * On this 2-core machine the load generator, the instances and Redis share the cores, so the
 * unconstrained ratios show contention as much as the service. A second series caps each instance
 * at BENCH_INSTANCE_CPU percent of one core (cpulimit, `apt-get install cpulimit`), standing in for
 * instances on machines of their own: then each instance is the bottleneck, not the shared box,
 * and the ratio shows whether anything serialises instances (Redis, locks) — about 2 if nothing does.
 */
import { DateTime } from 'luxon';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { cleanup, type LoadFigures, postLoad, round, startServer, stopServer } from './bench-support.js';

const DURATION_S = Number(process.env.BENCH_SECONDS ?? 15);
const INSTANCE_CPU = Number(process.env.BENCH_INSTANCE_CPU ?? 30);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const PREFIX = `{bench-scale-${Date.now()}}:`;
const BASE_PORT = 3960;
const headers = { 'content-type': 'application/json', authorization: 'Bearer ww-demo-key-change-me' };
const body = JSON.stringify({
  name: 'bench',
  gpus: 8,
  runtimeHours: 4,
  deadline: DateTime.utc().plus({ days: 3 }).toISO(),
});

const load = (ports: number[], seconds: number) =>
  postLoad(
    ports.map((port) => `http://127.0.0.1:${port}/v1/jobs`),
    headers,
    body,
    seconds,
    CONNECTIONS,
  );

type Run = { instances: number } & LoadFigures;

/** Intake of 1, 2 and 3 instances; `cpuPercent` caps each (cpulimit) when given. */
async function series(cpuPercent?: number): Promise<Run[]> {
  const runs: Run[] = [];
  for (const instances of [1, 2, 3]) {
    const ports = Array.from({ length: instances }, (_, i) => BASE_PORT + i);
    const servers: ChildProcess[] = [];
    try {
      for (const port of ports) {
        const server = await startServer('node', ['dist/main.js'], port, {
          WESTWIND_PREFIX: PREFIX,
          WESTWIND_ROLES: 'api',
          WESTWIND_WORKERS: '1',
          LOG_LEVEL: 'warn',
        });
        servers.push(server);
        // -z: cpulimit leaves when the instance does.
        if (cpuPercent)
          spawn('cpulimit', ['-l', String(cpuPercent), '-p', String(server.pid), '-z', '-q'], { stdio: 'ignore' });
      }
      await load(ports, 3); // warm-up
      runs.push({ instances, ...(await load(ports, DURATION_S)) });
      console.log(JSON.stringify({ cpuPercent: cpuPercent ?? 'unconstrained', ...runs.at(-1) }));
    } finally {
      await Promise.all(servers.map(stopServer));
      await cleanup([PREFIX]);
    }
  }
  return runs;
}

const ratios = (runs: Run[]) => ({
  twoToOne: round(runs[1].jobsPerSec / runs[0].jobsPerSec, 2),
  threeToOne: round(runs[2].jobsPerSec / runs[0].jobsPerSec, 2),
});

async function main(): Promise<void> {
  const unconstrained = await series();
  const hasCpulimit = spawnSync('cpulimit', ['-h'], { stdio: 'ignore' }).error === undefined;
  if (!hasCpulimit) console.warn('cpulimit not found (apt-get install cpulimit): the capped series is skipped');
  const capped = hasCpulimit ? await series(INSTANCE_CPU) : undefined;
  const result = {
    measuredAt: DateTime.utc().toISO(),
    machine: `${availableParallelism()} cores; load generator, instances and Redis share them`,
    durationSeconds: DURATION_S,
    connections: CONNECTIONS,
    unconstrained: { runs: unconstrained, ratios: ratios(unconstrained) },
    capped: capped && { cpuPercentPerInstance: INSTANCE_CPU, runs: capped, ratios: ratios(capped) },
  };
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/scale.json', JSON.stringify(result, null, 2) + '\n');
  const unconstrainedRatios = JSON.stringify(result.unconstrained.ratios);
  const cappedRatios = JSON.stringify(result.capped?.ratios ?? 'skipped');
  console.log(
    `unconstrained: ${unconstrainedRatios}; each instance capped at ${INSTANCE_CPU}% of a core: ${cappedRatios}`,
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
