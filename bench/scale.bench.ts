/**
 * npm run bench:scale — intake throughput of 1, 2 and 3 separate Westwind instances (API role, one
 * process each, own port) on one Redis, in one run. The load (autocannon, 32 connections in all) is
 * split evenly over the instances, as a round-robin load balancer would. Writes
 * bench/results/scale.json with jobs/s per instance count and the ratios to one instance.
 * On this 2-core machine the load generator, the instances and Redis share the cores, so the
 * ratios show contention as much as the service; on separate machines they would be higher.
 */
import autocannon from 'autocannon';
import { DateTime } from 'luxon';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { cleanup, round, startServer, stopServer } from './bench-support.js';

const DURATION_S = Number(process.env.BENCH_SECONDS ?? 15);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const PREFIX = `{bench-scale-${Date.now()}}:`;
const BASE_PORT = 3960;
const headers = { 'content-type': 'application/json', authorization: 'Bearer ww-demo-key-change-me' };
const body = JSON.stringify({ name: 'bench', gpus: 8, runtimeHours: 4, deadline: DateTime.utc().plus({ days: 3 }).toISO() });

async function load(ports: number[], seconds: number) {
  const runs = await Promise.all(ports.map((port) => autocannon({ url: `http://127.0.0.1:${port}/v1/jobs`, method: 'POST', headers, body, duration: seconds, connections: Math.max(1, Math.round(CONNECTIONS / ports.length)) })));
  const ok = runs.reduce((n, r) => n + r.requests.total - r.non2xx - r.errors, 0);
  return { jobsPerSec: Math.round(ok / seconds), p99Ms: Math.max(...runs.map((r) => r.latency.p99)), non2xx: runs.reduce((n, r) => n + r.non2xx, 0) };
}

async function main(): Promise<void> {
  const results: Record<string, { instances: number; jobsPerSec: number; p99Ms: number; non2xx: number }> = {};
  for (const instances of [1, 2, 3]) {
    const ports = Array.from({ length: instances }, (_, i) => BASE_PORT + i);
    const servers: ChildProcess[] = [];
    try {
      for (const port of ports) servers.push(await startServer('node', ['dist/main.js'], port, { WESTWIND_PREFIX: PREFIX, WESTWIND_ROLES: 'api', WESTWIND_WORKERS: '1', LOG_LEVEL: 'warn' }));
      await load(ports, 3); // warm-up
      results[`${instances}`] = { instances, ...(await load(ports, DURATION_S)) };
      console.log(JSON.stringify(results[`${instances}`]));
    } finally {
      await Promise.all(servers.map(stopServer));
      await cleanup([PREFIX]);
    }
  }
  const one = results['1'].jobsPerSec;
  const result = {
    measuredAt: DateTime.utc().toISO(),
    machine: `${availableParallelism()} cores; load generator, instances and Redis share them`,
    durationSeconds: DURATION_S,
    connections: CONNECTIONS,
    runs: Object.values(results),
    ratioTwoToOne: round(results['2'].jobsPerSec / one, 2),
    ratioThreeToOne: round(results['3'].jobsPerSec / one, 2),
  };
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/scale.json', JSON.stringify(result, null, 2) + '\n');
  console.table(result.runs);
  console.log(`2 instances / 1: ${result.ratioTwoToOne}; 3 instances / 1: ${result.ratioThreeToOne}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
