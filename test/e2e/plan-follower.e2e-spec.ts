import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { DateTime } from 'luxon';
import { virtualClock } from '../../src/domain/time/clock.js';
import { STALE_PLAN_GRACE_MINUTES } from '../../src/execution/execution.constants.js';
import { PLANNING_QUEUE } from '../../src/planning/planning.constants.js';
import { PlanRepository } from '../../src/plans/plan.repository.js';
import { getJob, planningSettled, siteLog, submit, until } from '../support/execution.js';
import request from 'supertest';
import { OPERATOR, startTestApp, type TestApp } from '../support/test-app.js';

describe('execution: the stored plan followed into an hour whose re-plan is late (4 service min per second)', () => {
  let t: TestApp;
  let queue: Queue;
  const clock = virtualClock(DateTime.fromISO('2026-03-02T01:00:00Z', { zone: 'utc' }), 240);

  beforeAll(async () => {
    t = await startTestApp({ clock, roles: 'api,planner,dispatch' });
    queue = t.app.get<Queue>(getQueueToken(PLANNING_QUEUE));
  });
  afterAll(async () => {
    await queue?.resume();
    await t?.close();
  });

  it('a job planned to start in the next hour starts then with no re-plan running', async () => {
    const http = t.app.getHttpServer();
    // At least an hour ahead (15 s real), so it is planned, and the planner stopped, before that hour begins.
    const hour = clock.now().startOf('hour').plus({ hours: 2 });
    const id = await submit(http, {
      name: 'follows-the-plan',
      runtimeHours: 2,
      earliestStart: hour.toISO(),
      deadline: hour.plus({ hours: 8 }).toISO(),
      deferrable: false,
      sites: ['west-hub'],
    });
    await until(
      () => getJob(http, id),
      (job) => job.state === 'scheduled' && job.plan?.segments[0]?.start === hour.toUTC().toISO(),
    );
    // No re-plan from now on: the planner's queue stops taking work (the hour's own re-plan waits in it).
    await planningSettled(t);
    await queue.pause();
    const planned = (await t.app.get(PlanRepository).meta())!;
    expect(clock.now() < hour).toBe(true);

    const started = await until(
      async () => (await siteLog(t, 'west-hub')).find((entry) => entry.jobId === id),
      (entry) => entry !== undefined,
      60_000,
    );
    // The stored plan's own start, sent once the hour's re-plan had its grace to come first.
    expect(started).toMatchObject({ action: 'start', actionId: `${id}.v${planned.version}.s0.start` });
    const at = DateTime.fromISO(started!.at);
    expect(at >= hour.plus({ minutes: STALE_PLAN_GRACE_MINUTES })).toBe(true);
    expect(at < hour.plus({ minutes: 30 })).toBe(true);
    await until(
      () => getJob(http, id),
      (job) => job.state === 'running',
    );
    expect((await t.app.get(PlanRepository).meta())!.version).toBe(planned.version);
    // Operators see that the planner was late.
    const metrics = (await request(http).get('/metrics').set(OPERATOR).expect(200)).text;
    expect(metrics).toMatch(/^westwind_plan_followed_total [1-9]/m);
  }, 90_000);
});
