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

describe('the self-running demo', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ configPath: demoConfig(), roles: 'api,planner,dispatch' });
  });
  afterAll(() => t.close());

  it('starts before the evening peak in Shanghai, replays real forecasts and submits jobs', async () => {
    const clock = t.app.get<Clock>(CLOCK);
    expect(clock.speed).toBe(3600);
    const zones = (await request(t.app.getHttpServer()).get('/v1/zones').set({ authorization: 'Bearer ww-operator-key-change-me' }).expect(200)).body as { id: string; hoursCovered: number }[];
    expect(zones.map((z) => [z.id, z.hoursCovered >= 48])).toEqual([['cn-nx', true], ['cn-gs', true], ['cn-nm', true], ['cn-ec', true]]);
    // 14:00 in Shanghai or up to a few simulated hours after (the app has been running since).
    expect(clock.now().setZone('Asia/Shanghai').hour).toBeGreaterThanOrEqual(14);
    await until(() => t.redis.zcard(`${t.prefix}tenant:demo:jobs`), (n) => n >= 12);
  });

  it('pauses a deferrable job at the peak and resumes it later, under the virtual clock', async () => {
    const jobs = t.app.get(JobsRepository);
    const resumed = await until(
      async () => (await jobs.page('demo', undefined, 500)).jobs.find((job) => {
        const states = job.history.map((h) => h.to);
        const paused = states.indexOf('paused');
        return job.deferrable && paused > 0 && states.slice(paused).includes('running');
      }),
      (job) => job !== undefined,
      60_000,
    );
    const pause = resumed!.history.find((h) => h.to === 'paused')!;
    expect(pause.reason).toMatch(/peak/);
  }, 90_000);
});
