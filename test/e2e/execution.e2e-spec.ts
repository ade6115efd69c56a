import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { DateTime } from 'luxon';
import request from 'supertest';
import { realMsUntil, virtualClock } from '../../src/domain/time/clock.js';
import type { StateChange } from '../../src/domain/jobs/job.js';
import type { DispatchCommand } from '../../src/domain/execution/dispatch-decision.js';
import { DispatchQueues } from '../../src/execution/dispatch-queues.js';
import { JobsRepository } from '../../src/jobs/jobs.repository.js';
import { RedisKeys } from '../../src/redis/redis-keys.js';
import { BULL_CONNECTION } from '../../src/redis/redis.module.js';
import { PlanRepository } from '../../src/plans/plan.repository.js';
import { PlanningService } from '../../src/planning/planning.service.js';
import { SimulatedSites } from '../../src/execution/simulated-sites.service.js';
import { getJob, postWestForecast, siteLog, submit, until } from '../support/execution.js';
import { ALPHA, OPENADR, startTestApp, type TestApp, testPrefix } from '../support/test-app.js';
import { steppedClock, untilNextHour } from '../support/virtual-time.js';

const ALL_ROLES = 'api,planner,dispatch';
const utc = (iso: string) => DateTime.fromISO(iso, { zone: 'utc' });
const states = (history: StateChange[]) => history.map((h) => h.to);
const entered = (history: StateChange[], state: string, nth = 0) => utc(history.filter((h) => h.to === state)[nth].at);

describe('execution: the plan drives the simulated sites (a clock the test steps through the day)', () => {
  // 07:00 UTC is 15:00 in Asia/Shanghai; zone west's peak is 17:00–22:00 local = 09:00–14:00 UTC. The clock moves
  // only when the test moves it; at each step the sites report and the planner re-plans, as the sites' ticks and the
  // hourly re-plan do on a running clock.
  const { clock, advance } = steppedClock(utc('2026-03-02T07:00:00Z'));
  const prefix = testPrefix();
  let a: TestApp;
  let b: TestApp;
  /**
   * Moves the clock on, has `app`'s sites report (at once, rather than on their own timer's next tick) and its planner
   * re-plan at the new time.
   */
  const step = async (app: TestApp, hours: number) => {
    advance(hours);
    await app.app.get(SimulatedSites).tick();
    app.app.get(PlanningService).requestReplan(`the test moved the clock to ${clock.now().toISO()}`);
  };

  beforeAll(async () => {
    a = await startTestApp({ prefix, clock, roles: ALL_ROLES });
  });
  afterAll(async () => {
    await b?.close();
    if (!b) await a.close();
  });

  it('a deferrable job pauses at the peak and resumes; a non-deferrable runs through; across a restart', async () => {
    // Wind only before and after the peak: running in the peak would draw from the grid.
    await postWestForecast(
      a.app.getHttpServer(),
      utc('2026-03-02T06:00:00Z'),
      48,
      (at) => ((at.hour >= 7 && at.hour < 9) || (at.hour >= 14 && at.hour < 16) ? 1000 : 0),
      utc('2026-03-02T06:00:00Z'),
    );
    const deferrable = await submit(a.app.getHttpServer(), {
      name: 'night-wind',
      runtimeHours: 4,
      checkpointMinutes: 12,
      deadline: '2026-03-02T18:00:00Z',
      deferrable: true,
      sites: ['west-hub'],
    });
    const steady = await submit(a.app.getHttpServer(), {
      name: 'urgent',
      runtimeHours: 4,
      deadline: '2026-03-03T07:00:00Z',
      deferrable: false,
      sites: ['west-hub'],
    });

    // Both start in the wind before the peak.
    const started = await until(
      () => Promise.all([getJob(a.app.getHttpServer(), deferrable), getJob(a.app.getHttpServer(), steady)]),
      (jobs) => jobs.every((j) => j.state === 'running'),
    );
    for (const j of started) expect(entered(j.history, 'running')).toEqual(utc('2026-03-02T07:00:00Z'));
    // 09:05: the peak has begun; the deferrable one pauses.
    await step(a, 2 + 5 / 60);
    const pausedJob = await until(
      () => getJob(a.app.getHttpServer(), deferrable),
      (j) => j.state === 'paused',
    );
    // Restart while it is paused: a new instance on the same Redis carries on.
    await a.app.close();
    a.redis.disconnect();
    b = await startTestApp({ prefix, clock, roles: ALL_ROLES });
    const http = b.app.getHttpServer();
    // 11:05: the steady job's four hours are done; 14:05: the peak is over, the deferrable one resumes.
    await step(b, 2);
    await until(
      () => getJob(http, steady),
      (j) => j.state === 'completed',
    );
    await step(b, 3);
    await until(
      () => getJob(http, deferrable),
      (j) => j.state === 'running',
    );
    // 16:30: past its last 1.9 h of work and the 12-minute restore.
    await step(b, 2 + 25 / 60);
    const [d, s] = await until(
      () => Promise.all([getJob(http, deferrable), getJob(http, steady)]),
      ([d, s]) => d.state === 'completed' && s.state === 'completed',
    );

    expect(states(d.history)).toEqual(['queued', 'scheduled', 'running', 'paused', 'running', 'completed']);
    expect(entered(d.history, 'paused')).toEqual(utc('2026-03-02T09:05:00Z'));
    expect(pausedJob.history.at(-1).reason).toMatch(
      /paused: peak 17:00–22:00 Asia\/Shanghai; resumes 22:00 Asia\/Shanghai at west-hub/,
    );
    expect(entered(d.history, 'running', 1)).toEqual(utc('2026-03-02T14:05:00Z'));
    // The resume restored its checkpoint (12 minutes) before progressing: 2 h 5 min before the peak, the other
    // 1 h 55 min after 14:17.
    expect(entered(d.history, 'completed')).toEqual(utc('2026-03-02T16:12:00Z'));
    expect(entered(d.history, 'completed') <= utc(d.deadline)).toBe(true);
    const ranHours = d.run.segments.reduce(
      (sum: number, seg: { start: string; end: string }) => sum + utc(seg.end).diff(utc(seg.start), 'hours').hours,
      0,
    );
    expect(ranHours).toBeCloseTo(4.2, 6);

    expect(states(s.history)).toEqual(['queued', 'scheduled', 'running', 'completed']);
    // Four hours straight through the peak.
    expect(entered(s.history, 'completed')).toEqual(utc('2026-03-02T11:00:00Z'));

    // The site's own log: each action once, none twice across the restart.
    const log = await siteLog(b, 'west-hub');
    expect(log.filter((e) => e.jobId === deferrable).map((e) => e.action)).toEqual(['start', 'pause', 'resume']);
    expect(log.filter((e) => e.jobId === steady).map((e) => e.action)).toEqual(['start']);
    expect(new Set(log.map((e) => e.actionId)).size).toBe(log.length);
  }, 120_000);
});

describe('execution: re-planning moves work (virtual clock, one minute per second)', () => {
  const clock = virtualClock(utc('2026-03-02T01:00:00Z'), 60);
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ clock, roles: ALL_ROLES });
  });
  afterAll(() => t.close());

  it('a forecast revision moves a planned job to the new surplus hours', async () => {
    const http = t.app.getHttpServer();
    await postWestForecast(
      http,
      utc('2026-03-02T00:00:00Z'),
      72,
      (at) => (at.day === 2 && at.hour >= 20 && at.hour < 23 ? 1000 : 0),
      utc('2026-03-02T00:30:00Z'),
    );
    const id = await submit(http, {
      name: 'movable',
      runtimeHours: 2,
      deadline: '2026-03-04T00:00:00Z',
      deferrable: true,
      sites: ['west-hub'],
    });
    const planned = await until(
      () => getJob(http, id),
      (j) => j.plan !== null && j.state === 'scheduled',
    );
    expect(planned.plan.segments[0].start).toBe('2026-03-02T20:00:00.000Z');

    // The desk revises: the wind comes the next morning instead.
    await postWestForecast(
      http,
      utc('2026-03-02T00:00:00Z'),
      72,
      (at) => (at.day === 3 && at.hour >= 2 && at.hour < 5 ? 1000 : 0),
      utc('2026-03-02T00:45:00Z'),
    );
    const moved = await until(
      () => getJob(http, id),
      (j) => j.plan?.segments[0]?.start === '2026-03-03T02:00:00.000Z',
    );
    expect(moved.state).toBe('scheduled');
    // A day or more ahead, the reason's local time carries its date.
    expect(moved.plan.reason).toMatch(/starts 2026-03-03 10:00 Asia\/Shanghai at west-hub/);
  });

  it('an OpenADR import cap starting now pauses the affected deferrable job at once', async () => {
    const http = t.app.getHttpServer();
    // The next hour's re-plan would pause it too: late in an hour, wait for the next one (at most
    // 25 real seconds), so the event has most of an hour (a minute per second) to act before it.
    if (clock.now().minute >= 35) await untilNextHour(clock);
    const now = clock.now();
    // No wind now: the job runs on grid power, so a cap of 0 kW stops it.
    const id = await submit(http, {
      name: 'capped',
      runtimeHours: 2.5,
      deadline: now.plus({ hours: 3, minutes: 30 }).toISO(),
      deferrable: true,
      sites: ['east-edge'],
    });
    await until(
      () => getJob(http, id),
      (j) => j.state === 'running',
    );
    const event = {
      objectType: 'EVENT',
      operation: 'POST',
      object: {
        id: 'emergency-1',
        programID: 'west-dr',
        eventName: 'grid-emergency',
        intervalPeriod: { start: clock.now().toISO(), duration: 'PT1H' },
        intervals: [{ id: 0, payloads: [{ type: 'IMPORT_CAPACITY_LIMIT', values: [0] }] }],
      },
    };
    const sentAt = clock.now();
    const nextHour = sentAt.startOf('hour').plus({ hours: 1 });
    await request(http)
      .post('/v1/webhooks/openadr')
      .set(OPENADR)
      .set('content-type', 'application/json')
      .send(JSON.stringify(event))
      .expect(200);
    const paused = await until(
      () => getJob(http, id),
      (j) => j.state === 'paused',
      Math.max(15_000, realMsUntil(clock, nextHour) + 5000),
    );
    // By the event's own re-plan, not at the next hour's: within simulated minutes (real seconds).
    const pausedAt = entered(paused.history, 'paused');
    expect(pausedAt.toMillis()).toBeLessThan(nextHour.toMillis());
    expect(pausedAt.diff(sentAt, 'minutes').minutes).toBeLessThan(15);
    expect((await siteLog(t, 'east-edge')).filter((e) => e.jobId === id).map((e) => e.action)).toEqual([
      'start',
      'pause',
    ]);
  }, 120_000);

  it('a running job cancelled by its tenant is cancelled at its site, queued before the answer', async () => {
    const http = t.app.getHttpServer();
    const id = await submit(http, {
      name: 'called-off',
      runtimeHours: 2,
      deadline: '2026-03-04T00:00:00Z',
      deferrable: false,
      sites: ['west-hub'],
    });
    await until(
      () => getJob(http, id),
      (j) => j.state === 'running',
    );
    await request(http).delete(`/v1/jobs/${id}`).set(ALPHA).expect(200);
    // The cancel command's id: the job, no plan version, no segment (see cancelCommand).
    expect(await t.app.get(DispatchQueues).forSite('west-hub').getJob(`${id}.v0.s-1.cancel`)).toBeDefined();
    const log = await until(
      () => siteLog(t, 'west-hub'),
      (entries) => entries.some((e) => e.jobId === id && e.action === 'cancel'),
    );
    expect(log.filter((e) => e.jobId === id).map((e) => e.action)).toEqual(['start', 'cancel']);
  });
});

describe('execution: three instances on one Redis', () => {
  const clock = virtualClock(utc('2026-03-02T01:00:00Z'), 60);
  const prefix = testPrefix();
  let a: TestApp;
  let others: TestApp[];
  beforeAll(async () => {
    a = await startTestApp({ prefix, clock, roles: ALL_ROLES });
    others = [
      await startTestApp({ prefix, clock, roles: ALL_ROLES }),
      await startTestApp({ prefix, clock, roles: ALL_ROLES }),
    ];
  });
  afterAll(async () => {
    for (const t of others) {
      await t.app.close();
      t.redis.disconnect();
    }
    await a.close();
  });

  it('dispatch each action once: every job started once, whichever instance took it', async () => {
    const apps = [a, ...others].map((t) => t.app.getHttpServer());
    const ids = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        submit(apps[i % apps.length], {
          name: `pair-${i}`,
          runtimeHours: 5,
          deadline: '2026-03-03T00:00:00Z',
          deferrable: false,
          sites: ['west-hub'],
        }),
      ),
    );
    await until(
      () => Promise.all(ids.map((id) => getJob(apps[0], id))),
      (jobs) => jobs.every((j) => j.state === 'running'),
    );
    // Let any duplicate decisions from later re-plans run their course.
    await new Promise((r) => setTimeout(r, 1000));
    const log = await siteLog(a, 'west-hub');
    expect(
      log
        .filter((e) => e.action === 'start')
        .map((e) => e.jobId)
        .sort(),
    ).toEqual([...ids].sort());
    expect(log).toHaveLength(30);
    for (const id of ids)
      expect(states((await getJob(apps[2], id)).history)).toEqual(['queued', 'scheduled', 'running']);
  });
});

describe('execution: a dispatch backlog is not multiplied by re-plans', () => {
  // The planner decides, but no process runs the dispatch workers: every start waits in its queue.
  const clock = virtualClock(utc('2026-03-02T01:00:00Z'), 1);
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ clock, roles: 'api,planner' });
  });
  afterAll(() => t.close());

  it('keeps one waiting start per job however many plans want it', async () => {
    const http = t.app.getHttpServer();
    const ids = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        submit(http, {
          name: `backlog-${i}`,
          runtimeHours: 2,
          deadline: '2026-03-03T00:00:00Z',
          deferrable: false,
          sites: ['west-hub'],
        }),
      ),
    );
    const plans = t.app.get(PlanRepository);
    const planning = t.app.get(PlanningService);
    const queue = t.app.get(DispatchQueues).forSite('west-hub');
    await until(
      () => queue.getJobCounts('waiting'),
      (c) => c.waiting === 5,
    );
    for (let i = 0; i < 3; i++) {
      const before = (await plans.meta())!.version;
      planning.requestReplan('test');
      await until(
        async () => (await plans.meta())!.version,
        (v) => v > before,
      );
    }
    const waiting = await queue.getJobs(['waiting']);
    expect(waiting.map((j) => j.data.jobId).sort()).toEqual([...ids].sort());
    expect(waiting.every((j) => j.data.action === 'start')).toBe(true);
  });
});

describe('execution: an action held by a killed process is carried through at restart', () => {
  const clock = virtualClock(utc('2026-03-02T01:00:00Z'), 1);
  const prefix = testPrefix();
  let planner: TestApp;
  let restarted: TestApp | undefined;
  let doomed: Worker | undefined;
  let doomedConnection: Redis | undefined;
  beforeAll(async () => {
    planner = await startTestApp({ prefix, clock, roles: 'api,planner' });
  });
  afterAll(async () => {
    await doomed?.close(true);
    doomedConnection?.disconnect();
    await restarted?.app.close();
    restarted?.redis.disconnect();
    await planner.close();
  });

  it('re-sends it under a new BullMQ id, so it runs at once instead of after the dead lock expires', async () => {
    const http = planner.app.getHttpServer();
    const id = await submit(http, {
      name: 'mid-start',
      runtimeHours: 2,
      deadline: '2026-03-03T00:00:00Z',
      deferrable: false,
      sites: ['west-hub'],
    });
    const queue = planner.app.get(DispatchQueues).forSite('west-hub');
    await until(
      () => queue.getJobCounts('waiting'),
      (c) => c.waiting === 1,
    );
    // A process takes the start, claims it on the job record as the dispatch processor does, then
    // dies (kill -9: no lock renewal, no release).
    const jobs = planner.app.get(JobsRepository);
    let claimed!: () => void;
    const claimedOnce = new Promise<void>((resolve) => (claimed = resolve));
    doomed = new Worker<DispatchCommand>(
      queue.name,
      async (job) => {
        const c = job.data;
        await jobs.update(c.jobId, (j) => ({
          ...j,
          pendingAction: {
            id: c.id,
            action: c.action,
            site: c.site,
            planVersion: c.planVersion,
            segment: c.segment,
            since: clock.now().toISO(),
          },
        }));
        claimed();
        await new Promise(() => undefined);
      },
      {
        connection: (doomedConnection = planner.app.get<Redis>(BULL_CONNECTION).duplicate()),
        prefix: planner.app.get(RedisKeys).bullPrefix(),
      },
    );
    await claimedOnce;
    await doomed.close(true);
    expect(await queue.getJobCounts('active')).toMatchObject({ active: 1 });

    restarted = await startTestApp({ prefix, clock, roles: 'dispatch' });
    // Well within the 30 s the dead worker's lock still holds.
    const job = await until(
      () => getJob(http, id),
      (j) => j.state === 'running',
      8_000,
    );
    expect((await planner.app.get(JobsRepository).get(id))!.pendingAction).toBeUndefined();
    expect(job.state).toBe('running');
    expect((await siteLog(planner, 'west-hub')).filter((e) => e.jobId === id).map((e) => e.action)).toEqual(['start']);
  });
});

describe('execution: a site takes at most its maxActionsPerSecond', () => {
  const clock = virtualClock(utc('2026-03-02T01:00:00Z'), 1);
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      clock,
      roles: ALL_ROLES,
      configure: (config) => (config.sites.find((s) => s.id === 'west-hub')!.executor.maxActionsPerSecond = 5),
    });
  });
  afterAll(() => t.close());

  it('spreads a burst of starts over seconds (5 a second: 15 starts need three one-second windows)', async () => {
    const http = t.app.getHttpServer();
    const ids = await Promise.all(
      Array.from({ length: 15 }, (_, i) =>
        submit(http, {
          name: `burst-${i}`,
          gpus: 1,
          runtimeHours: 2,
          deadline: '2026-03-03T00:00:00Z',
          deferrable: false,
          sites: ['west-hub'],
        }),
      ),
    );
    await until(
      () => Promise.all(ids.map((id) => getJob(http, id))),
      (jobs) => jobs.every((j) => j.state === 'running'),
    );
    const starts = (await siteLog(t, 'west-hub')).filter((e) => e.action === 'start').map((e) => utc(e.at).toMillis());
    expect(starts).toHaveLength(15);
    // BullMQ's windows open with the first action: the last five start ≥ 2 s after the first
    // window opened, less the few ms each start's own processing shifts its logged time.
    expect(Math.max(...starts) - Math.min(...starts)).toBeGreaterThanOrEqual(1500);
  });
});
