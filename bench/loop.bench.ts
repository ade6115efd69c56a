/**
 * npm run bench:loop — the planning loop end to end on the built service (all roles, one process,
 * the demo config's four simulated hubs, real clock): 5,000 jobs submitted at once, then the time
 * from the last 201 to a dispatched plan (every job in a stored plan, every action due now carried
 * out at its site), and the Redis commands one re-plan costs. Writes bench/results/loop.json.
 * Absolute times depend on the machine (2 cores shared by client, service and Redis).
 */
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { DateTime } from 'luxon';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Webhook } from 'standardwebhooks';
import { dispatchQueueName } from '../src/execution/execution.constants.js';
import { PLANNING_QUEUE, REPLAN_JOB } from '../src/planning/planning.constants.js';
import { cleanup, REDIS_URL, round, startServer, stopServer } from './bench-support.js';

const JOBS = Number(process.env.BENCH_JOBS ?? 5000);
const CONCURRENCY = 32;
const PORT = 3910;
const PREFIX = `{bench-loop-${Date.now()}}:`;
const SITES = ['nx-zhongwei', 'gs-qingyang', 'nm-helinger', 'sh-lingang'];
const ZONES = ['cn-nx', 'cn-gs', 'cn-nm', 'cn-ec'];
const DEMO_SENDER_SECRET = 'whsec_ZGVtby1zZWNyZXQtY2hhbmdlLW1lLW5vdw==';
const base = `http://127.0.0.1:${PORT}`;

/** Deterministic job mix: mostly deferrable, sizes and lengths like a training cluster's. */
function jobBody(i: number, now: DateTime): string {
  const gpus = [1, 2, 4, 8, 8, 16, 32][i % 7];
  const runtimeHours = 1 + ((i * 7) % 12);
  return JSON.stringify({
    name: `loop-${i}`,
    gpus,
    runtimeHours,
    deadline: now.plus({ hours: 48 + (i % 72) }).toISO(),
    deferrable: i % 5 !== 0,
    interruptible: true,
    acceptLate: true,
  });
}

/**
 * BENCH_FORECAST=flat: constant wind and load, so every hour is an equal-cost peak (the case where
 * cost ties could swap running jobs for waiting ones on every re-plan). Results go to loop-flat.json.
 */
const FLAT = process.env.BENCH_FORECAST === 'flat';

/** A week of diurnal wind and load per zone, so the plan has surplus and peak to work with (or flat ones). */
async function postForecasts(now: DateTime): Promise<void> {
  const from = now.startOf('hour');
  for (const zone of ZONES) {
    const points = Array.from({ length: 168 }, (_, h) => {
      const local = from.plus({ hours: h }).setZone('Asia/Shanghai').hour;
      if (FLAT) return { start: from.plus({ hours: h }).toISO(), windMw: 2000, solarMw: 0, loadMw: 7000 };
      return {
        start: from.plus({ hours: h }).toISO(),
        windMw: local < 7 || local >= 22 ? 9000 : 2000,
        solarMw: local >= 9 && local < 16 ? 3000 : 0,
        loadMw: local >= 17 && local < 22 ? 10000 : 7000,
      };
    });
    const body = JSON.stringify({ zone, issuedAt: now.toISO(), resolution: 'PT1H', points });
    const id = `msg_loop_${zone}`;
    const at = new Date();
    const res = await fetch(`${base}/v1/webhooks/forecasts`, {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/json',
        'webhook-id': id,
        'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
        'webhook-signature': new Webhook(DEMO_SENDER_SECRET).sign(id, at, body),
      },
    });
    if (!res.ok) throw new Error(`forecast for ${zone}: ${res.status} ${await res.text()}`);
  }
}

async function submitAll(now: DateTime): Promise<number> {
  let next = 0;
  let last201 = 0;
  const worker = async () => {
    while (next < JOBS) {
      const i = next++;
      const res = await fetch(`${base}/v1/jobs`, {
        method: 'POST',
        body: jobBody(i, now),
        headers: { 'content-type': 'application/json', authorization: 'Bearer ww-demo-key-change-me' },
      });
      if (res.status !== 201) throw new Error(`job ${i}: ${res.status} ${await res.text()}`);
      await res.arrayBuffer();
      last201 = performance.now();
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return last201;
}

const OPERATOR = { authorization: 'Bearer ww-operator-key-change-me' };

/**
 * What an operator's screen costs with every job in the plan: the dashboard's overview (read past
 * its one-second cache), the jobs table, a Prometheus scrape (median of 5 each), and how long a
 * job change takes to reach a dashboard's event stream.
 */
async function measureOperatorReads() {
  const median = async (path: string) => {
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setTimeout(r, 1100));
      const started = performance.now();
      const res = await fetch(`${base}${path}`, { headers: OPERATOR });
      if (!res.ok) throw new Error(`${path}: ${res.status}`);
      await res.arrayBuffer();
      times.push(performance.now() - started);
    }
    return Math.round(times.sort((a, b) => a - b)[2]);
  };
  const overviewMs = await median('/dashboard/api/overview');
  const jobRowsMs = await median('/dashboard/api/jobs?limit=100');
  const metricsMs = await median('/metrics');

  const stream = new AbortController();
  const events = await fetch(`${base}/dashboard/events`, { headers: OPERATOR, signal: stream.signal });
  const reader = (events.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  const rows = (await (
    await fetch(`${base}/dashboard/api/jobs?state=running&limit=1`, { headers: OPERATOR })
  ).json()) as { items: { id: string }[] };
  const id = rows.items[0].id;
  const cancelled = performance.now();
  const cancel = await fetch(`${base}/v1/jobs/${id}`, {
    method: 'DELETE',
    headers: { authorization: 'Bearer ww-demo-key-change-me' },
  });
  if (!cancel.ok) throw new Error(`cancel: ${cancel.status}`);
  let received = '';
  while (!received.includes(id)) received += decoder.decode((await reader.read()).value);
  const changeToEventMs = Math.round(performance.now() - cancelled);
  stream.abort();
  return { overviewMs, jobRowsMs, metricsMs, changeToEventMs };
}

async function main(): Promise<void> {
  const redis = new Redis(REDIS_URL);
  // The queues share one connection of ours, so MONITOR can tell our commands from Westwind's.
  const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const queues = [PLANNING_QUEUE, ...SITES.map(dispatchQueueName)].map(
    (name) => new Queue(name, { connection, prefix: `${PREFIX}bull` }),
  );
  const server = await startServer('node', ['dist/main.js'], PORT, {
    WESTWIND_PREFIX: PREFIX,
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
    WESTWIND_ROLES: 'api,planner,dispatch',
  });
  try {
    const now = DateTime.utc();
    await postForecasts(now);
    const submitStarted = performance.now();
    const last201 = await submitAll(now);
    const submitSeconds = (last201 - submitStarted) / 1000;
    console.error(`submitted ${JOBS} jobs in ${submitSeconds.toFixed(1)} s`);

    // Dispatched: a plan holding every job, stored after the last 201, and no action left to carry out.
    const settled = async () => {
      const [meta, planned] = await Promise.all([redis.get(`${PREFIX}plan:meta`), redis.hlen(`${PREFIX}plan:jobs`)]);
      if (!meta || planned < JOBS) return false;
      const counts = await Promise.all(
        queues.map((q) => q.getJobCounts('waiting', 'active', 'delayed', 'prioritized')),
      );
      // The planning queue always holds its delayed schedulers (hourly tick, daily prune).
      return counts.every((c, i) => c.waiting + c.active + c.prioritized + (i === 0 ? 0 : c.delayed) === 0);
    };
    while (!(await settled())) await new Promise((r) => setTimeout(r, 10));
    const dispatchedMs = performance.now() - last201;
    console.error(`dispatched plan ${Math.round(dispatchedMs)} ms after the last 201`);
    const versionAfterBurst = Number(await redis.get(`${PREFIX}plan:version`));
    const running = await redis.zcard(`${PREFIX}tenant:demo:jobs:running`);

    // One more re-plan on the settled state, watched with MONITOR: the commands Westwind's own
    // connections send (each a round trip or part of a pipeline; commands run inside Lua scripts
    // are counted apart), leaving out this benchmark's connections.
    const ours = new Set<string>();
    for (const client of [redis, connection]) ours.add(/addr=(\S+)/.exec(await client.client('INFO'))![1]);
    const monitored = new Redis(REDIS_URL);
    const monitor = await monitored.monitor();
    const byCommand = new Map<string, number>();
    let inScripts = 0;
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      if (source.endsWith('lua')) inScripts += 1;
      else if (!ours.has(source.split(' ').at(-1)!))
        byCommand.set(args[0].toUpperCase(), (byCommand.get(args[0].toUpperCase()) ?? 0) + 1);
    });
    const replanStarted = performance.now();
    await queues[0].add(REPLAN_JOB, { reason: 'benchmark' });
    while (Number(await redis.get(`${PREFIX}plan:version`)) <= versionAfterBurst || !(await settled()))
      await new Promise((r) => setTimeout(r, 5));
    const replanMs = performance.now() - replanStarted;
    monitor.disconnect();
    monitored.disconnect();
    const replanCommands = [...byCommand.values()].reduce((a, b) => a + b, 0);
    const topCommands = Object.fromEntries([...byCommand].sort((a, b) => b[1] - a[1]).slice(0, 8));

    const operatorReads = await measureOperatorReads();
    const result = {
      measuredAt: DateTime.utc().toISO(),
      machine: `${availableParallelism()} cores; client, service (one process, all roles) and Redis share them`,
      jobs: JOBS,
      submitSeconds: round(submitSeconds, 2),
      submitJobsPerSec: Math.round(JOBS / submitSeconds),
      lastCreatedToDispatchedPlanMs: Math.round(dispatchedMs),
      replansDuringBurst: versionAfterBurst,
      runningAfterDispatch: running,
      steadyReplan: {
        ms: Math.round(replanMs),
        redisCommands: replanCommands,
        redisCommandsPerJob: round(replanCommands / JOBS, 3),
        commandsInsideLuaScripts: inScripts,
        topCommands,
      },
      operatorReads,
    };
    mkdirSync('bench/results', { recursive: true });
    writeFileSync(
      FLAT ? 'bench/results/loop-flat.json' : 'bench/results/loop.json',
      JSON.stringify({ forecast: FLAT ? 'flat' : 'diurnal', ...result }, null, 2) + '\n',
    );
    console.log(JSON.stringify(result, null, 2));
  } finally {
    await stopServer(server);
    await Promise.all(queues.map((q) => q.close()));
    redis.disconnect();
    connection.disconnect();
    await cleanup([PREFIX]);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
