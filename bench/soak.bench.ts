/**
 * npm run bench:soak — a 10-minute soak (BENCH_SOAK_MINUTES) of the built service: an API process
 * and a planner/dispatch process on one Redis, the shipped configuration, the real clock.
 *
 * Every job is cancelled 30 s after it was acknowledged: the cancel stands in for a job leaving
 * (completing), so the active set, which every re-plan reads, holds a steady ~30 s of submissions
 * instead of growing without end, as it would if nothing ever finished.
 * 1. Capacity: open-loop steps of 45 s from 100 submissions/s up by 50/s, until one is not kept
 *    up with (p99 over a second, over a second's worth in flight, a refusal, or a dispatch
 *    backlog): the last kept rate.
 * 2. Soak: after the search's jobs are cancelled and one unmeasured minute at the soak rate (the
 *    active set fills), submissions at 70% of that rate (open loop), and signed forecasts for
 *    every zone every minute.
 *
 * Per minute: submission p50/p99, refusals, both processes' heap and RSS, and whether a re-plan
 * followed that minute's forecasts. Writes bench/results/soak.json. Targets: p99 within 2× of the
 * first minute's, no memory growth trend, no re-plan skipped. Absolute times are machine-bound
 * (2 cores shared by the load generator, both processes and Redis); the ratios are the figures.
 */
import { DateTime } from 'luxon';
import type { ChildProcess } from 'node:child_process';
import http from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Redis } from 'ioredis';
import { Webhook } from 'standardwebhooks';
import { loadWestwindConfig } from '../src/config/westwind-config.js';
import { dispatchQueueName } from '../src/execution/execution.constants.js';
import { cleanup, REDIS_URL, round, startServer, stopServer } from './bench-support.js';

const MINUTES = Number(process.env.BENCH_SOAK_MINUTES ?? 10);
const LOAD_SHARE = 0.7;
const CANCEL_AFTER_MS = 30_000;
/** The capacity search's open-loop steps: each longer than CANCEL_AFTER_MS, so cancels join in. */
const STEP_SECONDS = 45;
const FIRST_STEP_PER_SEC = 100;
const STEP_PER_SEC = 50;
const PREFIX = `{bench-soak-${Date.now()}}:`;
const API_PORT = 3950;
const PLANNER_PORT = 3951;
const TENANT = { authorization: 'Bearer ww-demo-key-change-me' };
const OPERATOR = { authorization: 'Bearer ww-operator-key-change-me' };
const FORECAST_SECRET = 'whsec_ZGVtby1zZWNyZXQtY2hhbmdlLW1lLW5vdw==';

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

function call(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; ms: number; text: string }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent,
        headers: body
          ? { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }
          : headers,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started, text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const jobBody = () =>
  JSON.stringify({
    name: 'soak',
    gpus: 8,
    runtimeHours: 2,
    deadline: DateTime.utc().plus({ days: 3 }).toISO(),
    deferrable: true,
  });

async function submit(): Promise<{ id?: string; ms: number; status: number }> {
  const res = await call(API_PORT, 'POST', '/v1/jobs', TENANT, jobBody());
  return {
    id: res.status === 201 ? (JSON.parse(res.text) as { id: string }).id : undefined,
    ms: res.ms,
    status: res.status,
  };
}

const cancel = (id: string) => call(API_PORT, 'DELETE', `/v1/jobs/${id}`, TENANT);

/** Acknowledged jobs waiting for their cancel, oldest first (the capacity run's are carried into the soak). */
const pendingCancels: { id: string; at: number }[] = [];

const inFlight = new Set<Promise<unknown>>();
function track(p: Promise<unknown>): void {
  inFlight.add(p);
  void p.finally(() => inFlight.delete(p));
}

interface LoopFigures {
  latencies: number[];
  refused: number;
  refusals: Record<string, number>;
  maxInFlight: number;
}

/**
 * Open loop: submits at `rate` per second for `ms`, whatever the answers' pace, and cancels each
 * acknowledged job CANCEL_AFTER_MS later. Latencies come back sorted.
 */
async function openLoop(rate: number, ms: number): Promise<LoopFigures> {
  const figures: LoopFigures = { latencies: [], refused: 0, refusals: {}, maxInFlight: 0 };
  const refuse = (why: string | number) => {
    figures.refused++;
    figures.refusals[why] = (figures.refusals[why] ?? 0) + 1;
  };
  const start = Date.now();
  let sent = 0;
  while (Date.now() < start + ms) {
    const due = Math.floor(((Date.now() - start) / 1000) * rate) - sent;
    for (let i = 0; i < due; i++) {
      sent++;
      track(
        submit().then(
          (r) => {
            figures.latencies.push(r.ms);
            if (r.id) pendingCancels.push({ id: r.id, at: Date.now() });
            else refuse(r.status);
          },
          () => refuse('error'),
        ),
      );
    }
    sendDueCancels();
    figures.maxInFlight = Math.max(figures.maxInFlight, inFlight.size);
    await new Promise((r) => setTimeout(r, 10));
  }
  figures.latencies.sort((a, b) => a - b);
  return figures;
}

/** Dispatch actions waiting in every site's queue. */
async function dispatchWaiting(redis: Redis, sites: readonly { id: string }[]): Promise<number> {
  return (
    await Promise.all(sites.map((site) => redis.llen(`${PREFIX}bull:${dispatchQueueName(site.id)}:wait`)))
  ).reduce((a, b) => a + b, 0);
}

/** Cancels every job acknowledged CANCEL_AFTER_MS ago or more. */
function sendDueCancels(): void {
  while (pendingCancels.length > 0 && Date.now() - pendingCancels[0].at >= CANCEL_AFTER_MS)
    track(cancel(pendingCancels.shift()!.id).catch(() => undefined));
}

/** Sends every pending cancel when it falls due and waits for all answers. */
async function drain(): Promise<void> {
  while (pendingCancels.length > 0) {
    sendDueCancels();
    await new Promise((r) => setTimeout(r, 10));
  }
  await Promise.all(inFlight);
}

/**
 * The highest open-loop rate the service keeps up with, in the soak's own regime (each job
 * cancelled CANCEL_AFTER_MS later, so the active set is as large as in the soak): steps of
 * STEP_SECONDS from FIRST_STEP_PER_SEC up by STEP_PER_SEC, until one is not kept up with — its p99
 * over a second, more than a second's worth of requests in flight at once, a refusal, or more than
 * five seconds' worth of dispatch actions waiting at its end (intake alone can outrun dispatch).
 * (A closed loop overstates it: 32 clients never let a queue build, and 70% of that figure collapsed.)
 */
async function sustainedRate(
  redis: Redis,
  sites: readonly { id: string }[],
): Promise<{
  sustained: number;
  steps: { rate: number; p50Ms: number; p99Ms: number; maxInFlight: number; dispatchWaiting: number; kept: boolean }[];
}> {
  const steps = [];
  let sustained = 0;
  for (let rate = FIRST_STEP_PER_SEC; ; rate += STEP_PER_SEC) {
    const f = await openLoop(rate, STEP_SECONDS * 1000);
    const p50Ms = round(percentile(f.latencies, 50), 1);
    const p99Ms = round(percentile(f.latencies, 99), 1);
    const waiting = await dispatchWaiting(redis, sites);
    // Each job brings two actions (start, cancel): more than five seconds of them waiting is a backlog.
    const kept = p99Ms <= 1000 && f.maxInFlight <= rate && f.refused === 0 && waiting <= rate * 2 * 5;
    steps.push({ rate, p50Ms, p99Ms, maxInFlight: f.maxInFlight, dispatchWaiting: waiting, kept });
    const backlog = `dispatch waiting ${waiting}${kept ? '' : ' — not kept up with'}`;
    console.log(`step ${rate}/s: p50 ${p50Ms} ms, p99 ${p99Ms} ms, in flight ≤ ${f.maxInFlight}, ${backlog}`);
    if (!kept) return { sustained, steps };
    sustained = rate;
  }
}

async function postForecasts(zones: { id: string; timeZone: string }[], minute: number): Promise<number> {
  const webhook = new Webhook(FORECAST_SECRET);
  const from = DateTime.utc().startOf('hour');
  let accepted = 0;
  for (const zone of zones) {
    // Night wind that shifts a little every minute, so each forecast is a real revision.
    const points = Array.from({ length: 7 * 24 }, (_, h) => {
      const at = from.plus({ hours: h });
      const local = at.setZone(zone.timeZone).hour;
      return {
        start: at.toISO(),
        windMw: (local >= 22 || local < 6 ? 1800 : 400) + ((h + minute) % 7) * 10,
        solarMw: local >= 9 && local < 16 ? 300 : 0,
        loadMw: 1000,
      };
    });
    const body = JSON.stringify({ zone: zone.id, issuedAt: DateTime.utc().toISO(), resolution: 'PT1H', points });
    const id = `msg_soak_${minute}_${zone.id}`;
    const at = new Date();
    const res = await call(
      API_PORT,
      'POST',
      '/v1/webhooks/forecasts',
      {
        'webhook-id': id,
        'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
        'webhook-signature': webhook.sign(id, at, body),
      },
      body,
    );
    if (res.status === 200) accepted++;
  }
  return accepted;
}

/**
 * Heap used and RSS (MB) of the process serving `port`, and its re-plans so far (count, seconds), from its own
 * /metrics.
 */
async function processFigures(
  port: number,
): Promise<{ heapMb: number; rssMb: number; replans: number; replanSeconds: number }> {
  const text = (await call(port, 'GET', '/metrics', OPERATOR)).text;
  const value = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  const mb = (name: string) => round(value(name) / 2 ** 20, 1);
  return {
    heapMb: mb('westwind_nodejs_heap_size_used_bytes'),
    rssMb: mb('westwind_process_resident_memory_bytes'),
    replans: value('westwind_replan_duration_seconds_count'),
    replanSeconds: value('westwind_replan_duration_seconds_sum'),
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Least-squares slope of ys over xs. */
function slope(xs: number[], ys: number[]): number {
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  const num = xs.reduce((s, x, i) => s + (x - mx) * (ys[i] - my), 0);
  const den = xs.reduce((s, x) => s + (x - mx) ** 2, 0);
  return den === 0 ? 0 : num / den;
}

async function main(): Promise<void> {
  const config = loadWestwindConfig('config/westwind.yaml', {});
  const redis = new Redis(REDIS_URL);
  const servers: ChildProcess[] = [];
  try {
    // Cancelled jobs are forgotten 2 min after they finished, so Redis holds a steady window of them.
    const env = {
      WESTWIND_PREFIX: PREFIX,
      LOG_LEVEL: 'warn',
      WESTWIND_WORKERS: '1',
      WESTWIND_RETAIN_FINISHED_JOBS: 'PT2M',
    };
    servers.push(await startServer('node', ['dist/main.js'], API_PORT, { ...env, WESTWIND_ROLES: 'api' }));
    servers.push(
      await startServer('node', ['dist/main.js'], PLANNER_PORT, { ...env, WESTWIND_ROLES: 'api,planner,dispatch' }),
    );
    await postForecasts(config.zones, -1);

    // BENCH_SOAK_CAPACITY reuses an earlier search's figure (to time the soak, e.g. across an hour boundary).
    const { sustained: submissionsPerSec, steps } = process.env.BENCH_SOAK_CAPACITY
      ? { sustained: Number(process.env.BENCH_SOAK_CAPACITY), steps: [] }
      : await sustainedRate(redis, config.sites);
    const rate = submissionsPerSec * LOAD_SHARE;
    // The search's last step ran above capacity: let its jobs be cancelled and answered before the
    // soak, so they neither crowd its first minute nor flatter the ratio to it.
    await drain();
    // One minute at the soak rate before the first measured minute, so that minute compares like
    // for like: the active set full (~30 s of submissions), its cancels flowing, re-plans at full size.
    await openLoop(rate, 60_000);
    const cancelledAfter = `each cancelled ${CANCEL_AFTER_MS / 1000} s later`;
    const soak = `soak at ${round(rate, 0)}/s for ${MINUTES} min`;
    console.log(`capacity: ${submissionsPerSec} submissions/s kept up with (${cancelledAfter}); ${soak}`);

    const minutes: Record<string, number | boolean | string>[] = [];
    let replansBefore = await processFigures(PLANNER_PORT);
    for (let m = 0; m < MINUTES; m++) {
      const forecastAt = DateTime.utc();
      const forecasts = await postForecasts(config.zones, m);
      const { latencies, refused, refusals, maxInFlight } = await openLoop(rate, 60_000);
      const meta = JSON.parse((await redis.get(`${PREFIX}plan:meta`)) ?? '{}') as {
        version?: number;
        createdAt?: string;
      };
      const [api, planner, redisMemory] = await Promise.all([
        processFigures(API_PORT),
        processFigures(PLANNER_PORT),
        redis.info('memory'),
      ]);
      const replans = planner.replans - replansBefore.replans;
      const replanMeanMs = replans > 0 ? ((planner.replanSeconds - replansBefore.replanSeconds) / replans) * 1000 : NaN;
      replansBefore = planner;
      minutes.push({
        minute: m + 1,
        submitted: latencies.length,
        refused,
        refusals: JSON.stringify(refusals),
        p50Ms: round(percentile(latencies, 50), 1),
        p99Ms: round(percentile(latencies, 99), 1),
        maxInFlight,
        forecastsAccepted: forecasts,
        replannedAfterForecast: meta.createdAt !== undefined && DateTime.fromISO(meta.createdAt) > forecastAt,
        planVersion: meta.version ?? 0,
        replans,
        replanMeanMs: round(replanMeanMs, 0),
        redisMb: round(Number(/used_memory:(\d+)/.exec(redisMemory)?.[1] ?? NaN) / 2 ** 20, 0),
        activeJobs: await redis.zcard(`${PREFIX}jobs:active`),
        // Dispatch actions decided but not yet carried out: a growing backlog means dispatch falls behind.
        dispatchWaiting: await dispatchWaiting(redis, config.sites),
        apiHeapMb: api.heapMb,
        apiRssMb: api.rssMb,
        plannerHeapMb: planner.heapMb,
        plannerRssMb: planner.rssMb,
      });
      console.log(JSON.stringify(minutes.at(-1)));
    }
    await Promise.all(inFlight);

    const first = minutes[0].p99Ms as number;
    const worst = Math.max(...minutes.map((m) => m.p99Ms as number));
    // The trend after the first minute (JIT and pools warm up then): MB per minute of a straight-line fit.
    const later = minutes.slice(1);
    const trend = (field: string) =>
      round(
        slope(
          later.map((m) => m.minute as number),
          later.map((m) => m[field] as number),
        ),
        2,
      );
    const result = {
      measuredAt: DateTime.utc().toISO(),
      machine: `${availableParallelism()} cores; load generator, both service processes and Redis share them`,
      setup:
        'API process (WESTWIND_ROLES=api, 1 worker) + planner/dispatch process, ' +
        'config/westwind.yaml (4 simulated hubs), real clock',
      minutes: MINUTES,
      capacitySteps: steps,
      capacitySubmissionsPerSec: round(submissionsPerSec, 0),
      soakRatePerSec: round(rate, 0),
      cancelAfterSeconds: CANCEL_AFTER_MS / 1000,
      perMinute: minutes,
      p99FirstMinuteMs: first,
      p99WorstMinuteMs: worst,
      p99WorstOverFirst: round(worst / first, 2),
      memoryTrendMbPerMinute: {
        apiHeap: trend('apiHeapMb'),
        apiRss: trend('apiRssMb'),
        plannerHeap: trend('plannerHeapMb'),
        plannerRss: trend('plannerRssMb'),
      },
      replansSkipped: minutes.filter((m) => !m.replannedAfterForecast).length,
      targets: { p99WorstOverFirst: 2, memoryTrend: 'flat', replansSkipped: 0 },
    };
    mkdirSync('bench/results', { recursive: true });
    writeFileSync('bench/results/soak.json', JSON.stringify(result, null, 2) + '\n');
    console.table(minutes);
    const p99Line = `p99 worst/first minute: ${result.p99WorstOverFirst} (target <= 2)`;
    const memoryLine = `memory trend MB/min: ${JSON.stringify(result.memoryTrendMbPerMinute)}`;
    console.log(`${p99Line}; ${memoryLine}; re-plans skipped: ${result.replansSkipped}`);
  } finally {
    await Promise.all(servers.map(stopServer));
    redis.disconnect();
    agent.destroy();
    await cleanup([PREFIX]);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
