/**
 * npm run bench:signals — how long a 14-day forecast for 20 zones takes from request to stored:
 * 20 signed webhooks (one per zone, hourly points, 336 each) sent at once, timed until the last
 * 200; repeated, p50 and p95 reported; plus one zone alone at PT15M (1,344 points). Writes
 * bench/results/signals.json. Wall-clock on this 2-core machine, where client, service and Redis
 * share the cores.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { DateTime } from 'luxon';
import { Webhook } from 'standardwebhooks';
import { stopServer } from './bench-support.js';

const ZONES = 20;
const RUNS = Number(process.env.BENCH_RUNS ?? 30);
const PORT = 3910;
const SECRET = 'whsec_' + Buffer.alloc(24, 9).toString('base64');
const PREFIX = `{bench-signals-${Date.now()}}:`;
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

function config(): string {
  const dir = mkdtempSync(join(tmpdir(), 'westwind-bench-'));
  const zones = Array.from(
    { length: ZONES },
    (_, z) => `  - { id: z${z}, timeZone: Asia/Shanghai, peak: { windows: [{ from: "17:00", to: "22:00" }] } }`,
  ).join('\n');
  const sites = Array.from(
    { length: ZONES },
    (_, z) => `  - { id: s${z}, zone: z${z}, gpus: 1024, kwPerGpu: 0.7, pue: 1.2 }`,
  ).join('\n');
  const file = join(dir, 'bench.yaml');
  const tenants = '  - { id: bench, apiKeys: [bench-key-0000000001] }';
  const senders = `  - { id: desk, secrets: [${SECRET}] }`;
  const limits = '  sender: { requests: 10000000, perSeconds: 1 }';
  writeFileSync(
    file,
    `zones:\n${zones}\nsites:\n${sites}\ntenants:\n${tenants}\nwebhookSenders:\n${senders}\nrateLimits:\n${limits}\n`,
  );
  return file;
}

function forecast(zone: string, issuedAt: DateTime, resolution: 'PT1H' | 'PT15M'): string {
  const step = resolution === 'PT1H' ? 60 : 15;
  const start = DateTime.utc().startOf('hour');
  const points = Array.from({ length: (14 * 24 * 60) / step }, (_, i) => ({
    start: start.plus({ minutes: i * step }).toISO(),
    windMw: 800 + (i % 50),
    solarMw: 100,
    loadMw: 900,
    carbonGPerKwh: 550,
  }));
  return JSON.stringify({ zone, issuedAt: issuedAt.toISO(), resolution, points });
}

async function deliver(body: string): Promise<void> {
  const id = `msg_${Math.random().toString(36).slice(2)}`;
  const now = new Date();
  const res = await fetch(`http://127.0.0.1:${PORT}/v1/webhooks/forecasts`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      'webhook-signature': new Webhook(SECRET).sign(id, now, body),
    },
    body,
  });
  if (res.status !== 200) throw new Error(`delivery refused: ${res.status} ${await res.text()}`);
}

const percentile = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))];
const round = (x: number) => Math.round(x * 10) / 10;

async function measure(workers: number) {
  const service = spawn(
    'node',
    [...(process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir=/tmp/sigprof'] : []), 'dist/main.js'],
    {
      env: {
        ...process.env,
        PORT: String(PORT),
        WESTWIND_CONFIG: config(),
        WESTWIND_PREFIX: PREFIX,
        WESTWIND_DEMO: 'false',
        LOG_LEVEL: 'warn',
        WESTWIND_WORKERS: String(workers),
        WESTWIND_ROLES: process.env.BENCH_ROLES ?? 'api',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  try {
    for (
      let i = 0;
      i < 100 &&
      !(await fetch(`http://127.0.0.1:${PORT}/health`).then(
        () => true,
        () => false,
      ));
      i++
    )
      await new Promise((r) => setTimeout(r, 100));
    const allZones: number[] = [];
    const oneZoneQuarterHours: number[] = [];
    for (let run = 0; run < RUNS + 3; run++) {
      const issuedAt = DateTime.utc().minus({ seconds: RUNS + 3 - run }); // each run a newer revision
      const bodies = Array.from({ length: ZONES }, (_, z) => forecast(`z${z}`, issuedAt, 'PT1H'));
      let started = performance.now();
      await Promise.all(bodies.map(deliver));
      if (run >= 3) allZones.push(performance.now() - started); // 3 warm-up runs
      const quarter = forecast('z0', issuedAt.plus({ milliseconds: 500 }), 'PT15M');
      started = performance.now();
      await deliver(quarter);
      if (run >= 3) oneZoneQuarterHours.push(performance.now() - started);
    }
    return {
      workers,
      twentyZones14Days: {
        requests: ZONES,
        pointsPerRequest: 336,
        p50Ms: round(percentile(allZones, 50)),
        p95Ms: round(percentile(allZones, 95)),
      },
      oneZone14DaysPT15M: {
        points: 1344,
        p50Ms: round(percentile(oneZoneQuarterHours, 50)),
        p95Ms: round(percentile(oneZoneQuarterHours, 95)),
      },
    };
  } finally {
    await stopServer(service);
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${PREFIX}*`);
    if (keys.length) await redis.unlink(...keys);
    redis.disconnect();
  }
}

async function main(): Promise<void> {
  const result = {
    measuredAt: DateTime.utc().toISO(),
    runs: RUNS,
    targetP50Ms: 100,
    oneWorker: await measure(1),
    twoWorkers: await measure(2),
  };
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/signals.json', JSON.stringify(result, null, 2) + '\n');
  console.dir(result, { depth: 4 });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
