import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { parse, stringify } from 'yaml';
import { CLOCK } from '../../src/config/config.module.js';
import type { Clock } from '../../src/domain/time/clock.js';
import { JobsRepository } from '../../src/jobs/jobs.repository.js';
import { until } from '../support/execution.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** The shipped configuration with its demo, at an hour per real second. */
function demoConfig(): string {
  const config = parse(readFileSync('config/westwind.yaml', 'utf8')) as { demo: { speed: number } };
  config.demo.speed = 3600;
  const path = join(mkdtempSync(join(tmpdir(), 'westwind-demo-')), 'westwind.yaml');
  writeFileSync(path, stringify(config));
  return path;
}

/** A pause's reason at the evening peak (a move or a pause for greener hours reads otherwise). */
const PEAK_PAUSE = /^plan \d+: paused: peak /;

describe('the self-running demo', () => {
  let t: TestApp;
  /** Real time before the app (and its clock) started. */
  let launchedMs: number;
  beforeAll(async () => {
    launchedMs = Date.now();
    t = await startTestApp({ configPath: demoConfig(), roles: 'api,planner,dispatch' });
  });
  afterAll(() => t.close());

  it('starts before the evening peak in Shanghai, replays real forecasts and submits jobs', async () => {
    const clock = t.app.get<Clock>(CLOCK);
    expect(clock.speed).toBe(3600);
    const zones = (
      await request(t.app.getHttpServer())
        .get('/v1/zones')
        .set({ authorization: 'Bearer ww-operator-key-change-me' })
        .expect(200)
    ).body as { id: string; hoursCovered: number }[];
    expect(zones.map((z) => [z.id, z.hoursCovered >= 48])).toEqual([
      ['cn-nx', true],
      ['cn-gs', true],
      ['cn-nm', true],
      ['cn-ec', true],
    ]);
    // It started at 14:00 in Shanghai: the last 14:00 there lies within the simulated time since the launch (an hour
    // per real second; a loaded machine took 13 s to get here once, past midnight in Shanghai).
    const now = clock.now().setZone('Asia/Shanghai');
    const today14 = now.set({ hour: 14, minute: 0, second: 0, millisecond: 0 });
    const last14 = today14 <= now ? today14 : today14.minus({ days: 1 });
    expect(now.diff(last14).toMillis()).toBeLessThanOrEqual((Date.now() - launchedMs) * 3600);
    await until(
      () => t.redis.zcard(`${t.prefix}tenant:demo:jobs`),
      (n) => n >= 12,
    );
  });

  it('pauses a deferrable job at the peak and resumes it later, under the virtual clock', async () => {
    const jobs = t.app.get(JobsRepository);
    // Pauses for other reasons (a move, greener hours) may come first: wait for one at the peak.
    const resumed = await until(
      async () =>
        (await jobs.page('demo', undefined, 500)).jobs.find((job) => {
          const peakPause = job.history.findIndex((h) => h.to === 'paused' && PEAK_PAUSE.test(h.reason));
          return job.deferrable && peakPause > 0 && job.history.slice(peakPause).some((h) => h.to === 'running');
        }),
      (job) => job !== undefined,
      60_000,
    );
    const pause = resumed!.history.find((h) => h.to === 'paused' && PEAK_PAUSE.test(h.reason))!;
    // A resume 24 h or more after the plan's hour 0 carries its date.
    expect(pause.reason).toMatch(
      /^plan \d+: paused: peak \d\d:\d\d–\d\d:\d\d Asia\/Shanghai; resumes (\d{4}-\d\d-\d\d )?\d\d:\d\d Asia\/Shanghai at /,
    );
  }, 90_000);
});
