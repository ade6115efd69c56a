import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { DateTime } from 'luxon';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import type { App } from 'supertest/types.js';
import { parse, stringify } from 'yaml';
import { SiteExecutors } from '../../src/execution/site-executors.js';
import { PLANNING_QUEUE } from '../../src/planning/planning.constants.js';
import type {
  SimulatedExecutor,
  SimulatedLogEntry,
} from '../../src/execution/executors/simulated/simulated.executor.js';
import { signedHeaders } from './signed-webhook.js';
import { ALPHA, NW_GRID_SECRET, TEST_CONFIG, type TestApp } from './test-app.js';

/** Polls `probe` until `ok`, or fails naming the last value. */
export async function until<T>(probe: () => T | Promise<T>, ok: (value: T) => boolean, withinMs = 20_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (ok(value)) return value;
    if (Date.now() - started > withinMs)
      throw new Error(`condition not met within ${withinMs} ms: ${String(JSON.stringify(value)).slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Until no re-plan runs or waits and the planning queue's rest is over. After a re-plan the queue
 * rests three times as long as it took (up to 30 s on the real clock): a plan of 200 jobs on a
 * loaded machine takes seconds, and a request made during the rest waits it out.
 */
export async function planningSettled(t: TestApp): Promise<void> {
  const queue = t.app.get<Queue>(getQueueToken(PLANNING_QUEUE));
  await until(
    async () => {
      const { active, waiting } = await queue.getJobCounts('active', 'waiting');
      return { active, waiting, restMs: await queue.getRateLimitTtl() };
    },
    (q) => q.active === 0 && q.waiting === 0 && q.restMs <= 0,
    60_000,
  );
}

/**
 * On the real clock, waits out the top of the UTC hour when it is less than `beforeMs` away or less
 * than `afterMs` past, so the hourly re-plan, and a plan made for the hour that just ended, cannot
 * land between a test's steps. Give the test `beforeMs + afterMs` more than its own timeout.
 */
export async function clearOfHourBoundary(beforeMs = 20_000, afterMs = 5_000): Promise<void> {
  const now = DateTime.utc();
  const sinceHour = now.diff(now.startOf('hour')).as('milliseconds');
  const toHour = 3_600_000 - sinceHour;
  const waitMs = toHour < beforeMs ? toHour + afterMs : sinceHour < afterMs ? afterMs - sinceHour : 0;
  if (waitMs > 0) await new Promise((r) => setTimeout(r, waitMs));
}

/** Posts a signed forecast for zone `west`: `windMw(hour)` for each of `hours` UTC hours from `from`. */
export async function postWestForecast(
  http: App,
  from: DateTime,
  hours: number,
  windMw: (at: DateTime) => number,
  issuedAt: DateTime,
): Promise<void> {
  const points = Array.from({ length: hours }, (_, h) => {
    const at = from.plus({ hours: h });
    return { start: at.toISO(), windMw: windMw(at), solarMw: 0, loadMw: 500 };
  });
  const body = JSON.stringify({ zone: 'west', issuedAt: issuedAt.toISO(), resolution: 'PT1H', points });
  await request(http).post('/v1/webhooks/forecasts').set(signedHeaders(NW_GRID_SECRET, body)).send(body).expect(200);
}

export async function submit(http: App, job: Record<string, unknown>): Promise<string> {
  const res = await request(http)
    .post('/v1/jobs')
    .set(ALPHA)
    .send({ gpus: 8, interruptible: true, ...job });
  if (res.status !== 201) throw new Error(`submission refused: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id as string;
}

export async function getJob(http: App, id: string) {
  return (await request(http).get(`/v1/jobs/${id}`).set(ALPHA).expect(200)).body;
}

/** A simulated site's own log of what it was told to do. */
export function siteLog(t: TestApp, site: string): Promise<SimulatedLogEntry[]> {
  return (t.app.get(SiteExecutors).forSite(site) as SimulatedExecutor).log();
}

/** The test configuration with changes, written to a temporary file; returns its path. */
// Tests reach into the parsed YAML at any depth (config.sites[0].executor.url = ...): untyped on purpose.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type LooseConfig = Record<string, any>;

export function testConfigWith(change: (config: LooseConfig) => void): string {
  const config = parse(readFileSync(TEST_CONFIG, 'utf8')) as LooseConfig;
  change(config);
  const path = join(mkdtempSync(join(tmpdir(), 'westwind-config-')), 'westwind.yaml');
  writeFileSync(path, stringify(config));
  return path;
}
