import { DateTime } from 'luxon';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import request from 'supertest';
import type { App } from 'supertest/types.js';
import { virtualClock } from '../../src/domain/time/clock.js';
import { HOUR_MS } from '../../src/domain/time/hours.js';
import { DispatchQueues } from '../../src/execution/dispatch-queues.js';
import type { ExecutorOrder, PowerOrder } from '../../src/execution/executors/site-executor.js';
import { SimulatedExecutor } from '../../src/execution/executors/simulated/simulated.executor.js';
import type { ExecutionReports, JobEvent } from '../../src/execution/executors/site-executor.js';
import { SimulatedSites } from '../../src/execution/simulated-sites.service.js';
import { RedisKeys } from '../../src/redis/redis-keys.js';
import { started } from '../../src/domain/execution/job-run.js';
import { transition } from '../../src/domain/jobs/job-state-machine.js';
import { SiteExecutors } from '../../src/execution/site-executors.js';
import { JobsRepository } from '../../src/jobs/jobs.repository.js';
import { PlanningService } from '../../src/planning/planning.service.js';
import { getJob, siteLog, submit, testConfigWith, until } from '../support/execution.js';
import {
  ALPHA,
  connectTestRedis,
  deleteKeys,
  snapshot,
  startTestApp,
  type TestApp,
  testPrefix,
  useTestApp,
} from '../support/test-app.js';
import { ISSUE_POWER_CURVE as CURVE } from '../support/power-curves.js';
import { planAndDispatch, segment } from '../support/dispatched-plans.js';
import { steppedClock } from '../support/virtual-time.js';

const utc = (iso: string) => DateTime.fromISO(iso, { zone: 'utc' });
const ALL_ROLES = 'api,planner,dispatch';

describe('power capping: a job declares its curve', () => {
  const ctx = useTestApp({ clock: virtualClock(utc('2026-03-02T16:00:00Z'), 1) });
  const post = (power: unknown) =>
    request(ctx.http)
      .post('/v1/jobs')
      .set(ALPHA)
      .send({ name: 'bends', gpus: 8, runtimeHours: 2, deadline: '2026-03-04T00:00:00Z', power });

  it('stores a sound curve, highest fraction first, and shows it in the GET', async () => {
    const res = await post({
      minFraction: 0.5,
      throughput: [
        [0.5, 0.7],
        [1, 1],
        [0.7, 0.9],
      ],
    }).expect(201);
    expect(res.body.power).toEqual(CURVE);
    expect((await getJob(ctx.http, res.body.id as string)).power).toEqual(CURVE);
    const plain = await post(undefined).expect(201);
    expect(plain.body.power).toBeUndefined();
  });

  it('is described in /docs as an optional field of the submission, like the other nested fields', async () => {
    const schemas = (await request(ctx.http).get('/docs/json').expect(200)).body.components.schemas;
    expect(schemas.SubmitJobDto.properties.power).toEqual({
      type: 'object',
      description: expect.stringMatching(/^How the job bends under a GPU power cap/) as string,
    });
    expect(schemas.SubmitJobDto.required).not.toContain('power');
  });

  it.each([
    ['not an object', [0.5], /must be an object/],
    ['minFraction 0', { ...CURVE, minFraction: 0 }, /minFraction must be a number in \(0, 1\]/],
    ['minFraction above 1', { ...CURVE, minFraction: 1.2 }, /minFraction must be a number in \(0, 1\]/],
    [
      'a point below minFraction',
      {
        minFraction: 0.6,
        throughput: [
          [1, 1],
          [0.6, 0.8],
          [0.5, 0.7],
        ],
      },
      /outside/,
    ],
    [
      'throughput above 1',
      {
        minFraction: 0.5,
        throughput: [
          [1, 1],
          [0.5, 1.2],
        ],
      },
      /must be in \(0, 1\]/,
    ],
    [
      'non-monotone',
      {
        minFraction: 0.5,
        throughput: [
          [1, 1],
          [0.7, 0.6],
          [0.5, 0.7],
        ],
      },
      /must not rise as power/,
    ],
    [
      'no [1, 1]',
      {
        minFraction: 0.5,
        throughput: [
          [0.9, 0.95],
          [0.5, 0.7],
        ],
      },
      /must include \[1, 1\]/,
    ],
    [
      'nothing at minFraction',
      {
        minFraction: 0.5,
        throughput: [
          [1, 1],
          [0.7, 0.9],
        ],
      },
      /a point at minFraction/,
    ],
    [
      'a string for a number',
      {
        minFraction: 0.5,
        throughput: [
          [1, 1],
          ['0.5', 0.7],
        ],
      },
      /pair of numbers/,
    ],
    [
      'too many points',
      { minFraction: 0.5, throughput: Array.from({ length: 17 }, (_, i) => [1 - i / 40, 1 - i / 80]) },
      /1 to 16/,
    ],
    ['an unknown field', { ...CURVE, maxFraction: 1 }, /unknown field "maxFraction"/],
  ])('refuses %s with a 400 problem+json naming power, and stores nothing', async (_case, power, message) => {
    const before = await snapshot(ctx.t.redis, ctx.t.prefix);
    const res = await post(power)
      .expect(400)
      .expect('content-type', /problem\+json/);
    expect(res.body.errors).toEqual([{ field: 'power', message: expect.stringMatching(message) as string }]);
    expect(await snapshot(ctx.t.redis, ctx.t.prefix)).toEqual(before);
  });
});

describe('power capping at a simulated site', () => {
  const start = utc('2026-03-02T16:00:00Z');
  const { clock, advance } = steppedClock(start);
  let t: TestApp;
  let http: App;
  beforeAll(async () => {
    // No planner: the test's plan is the one dispatched.
    t = await startTestApp({ clock, roles: 'api,dispatch' });
    http = t.app.getHttpServer();
  });
  afterAll(() => t.close());

  it('a job capped to 0.7 advances at 0.9 of its work rate and is metered at 0.7 of its power', async () => {
    const id = await submit(http, {
      name: 'capped',
      gpus: 100,
      runtimeHours: 10,
      deadline: '2026-03-04T00:00:00Z',
      sites: ['west-hub'],
      power: CURVE,
    });
    const { version } = await planAndDispatch(t, id, start, [segment('west-hub', start, 10, 0.7)]);
    // Started at full power, then capped: both at the site, both on the record.
    const capped = await until(
      () => getJob(http, id),
      (j) => j.run?.powerFraction === 0.7,
    );
    expect(capped.state).toBe('running');
    expect(capped.run.segments).toEqual([
      {
        site: 'west-hub',
        start: start.toISO(),
        power: [{ at: start.toISO(), fraction: 0.7, reason: expect.stringMatching(/^capped to 70% power; plan \d+/) }],
      },
    ]);
    expect(capped.plan.segments[0].powerFraction).toBe(0.7);
    expect((await siteLog(t, 'west-hub')).map((e) => [e.action, e.powerFraction])).toEqual([
      ['start', undefined],
      ['setPower', 0.7],
    ]);
    expect((await siteLog(t, 'west-hub'))[1].actionId).toBe(`${id}.v${version}.s0.setPower`);

    // Two hours on: 1.8 h of work (2 × 0.9), reported by the site.
    advance(2);
    const progressed = await until(
      async () => {
        await t.app.get(SimulatedSites).tick();
        return getJob(http, id);
      },
      (j) => j.run.doneHours > 1,
    );
    expect(progressed.run.doneHours).toBeCloseTo(1.8, 9);

    // Paused at 18:00: its two hours metered at 0.7 × 100 GPUs × 0.7 kW × PUE 1.2 = 0.0588 MW.
    await planAndDispatch(t, id, start.plus({ hours: 2 }), [segment('west-hub', start.plus({ hours: 4 }), 6, 0.7)]);
    const paused = await until(
      () => getJob(http, id),
      (j) => j.state === 'paused',
    );
    expect(paused.run.checkpointedHours).toBeCloseTo(1.8, 9);
    expect(paused.run.powerFraction).toBeUndefined();
    const ledger = await t.redis.hgetall(`${t.prefix}energy:west-hub`);
    expect(Object.keys(ledger).sort()).toEqual([String(start.toMillis()), String(start.plus({ hours: 1 }).toMillis())]);
    for (const mwh of Object.values(ledger)) expect(Number(mwh)).toBeCloseTo(0.0588, 9);
  });
});

describe('the simulated site under a power cap (real Redis)', () => {
  const prefix = testPrefix();
  const start = utc('2026-03-02T01:00:00Z');
  const { clock, advance } = steppedClock(start);
  let redis: Awaited<ReturnType<typeof connectTestRedis>>;
  beforeAll(async () => (redis = await connectTestRedis()));
  afterAll(async () => {
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });

  /** What the site reports, taken at once. */
  const reports: { jobId: string; event: JobEvent }[] = [];
  const taker: ExecutionReports = {
    report: (_site, jobId, event) => {
      reports.push({ jobId, event });
      return Promise.resolve(true);
    },
  };
  const order = (jobId: string, runtimeHours: number) => ({
    actionId: `${jobId}.v1.s0.start`,
    action: 'start' as const,
    jobId,
    site: 'west-hub',
    planVersion: 1,
    segment: 0,
    job: { name: jobId, gpus: 8, runtimeHours, doneHours: 0, checkpointMinutes: 10, power: CURVE },
    at: clock.now().toISO(),
  });
  const cap = (jobId: string, powerFraction: number, version: number): PowerOrder => ({
    ...order(jobId, 0),
    actionId: `${jobId}.v${version}.s0.setPower`,
    action: 'setPower',
    powerFraction,
  });

  it('keeps the work done before the cap, advances at the throughput after it, acts on a repeat once', async () => {
    const site = new SimulatedExecutor('west-hub', redis, new RedisKeys(prefix), clock);
    await site.perform(order('a', 10));
    await site.perform(order('b', 3));
    await site.setPower(cap('b', 0.7, 2)); // capped from its start: 3 h of work take 3 / 0.9 h
    advance(1);
    await site.setPower(cap('a', 0.7, 2));
    await site.setPower(cap('a', 0.7, 2)); // a retry: nothing changes
    await site.setPower(cap('gone', 0.5, 2)); // not running here: taken, nothing to cap
    advance(2);
    await site.tick(taker);
    expect(reports.find((r) => r.jobId === 'a')!.event).toEqual({
      type: 'progress',
      doneHours: expect.closeTo(1 + 2 * 0.9, 9) as number,
      at: start.plus({ hours: 3 }).toISO(),
    });
    advance(1);
    await site.tick(taker);
    expect(reports.find((r) => r.jobId === 'b' && r.event.type === 'completed')!.event).toEqual({
      type: 'completed',
      at: start.plus({ milliseconds: Math.round((3 / 0.9) * HOUR_MS) }).toISO(),
    });
    expect((await site.log()).map((e) => [e.action, e.jobId, e.powerFraction])).toEqual([
      ['start', 'a', undefined],
      ['start', 'b', undefined],
      ['setPower', 'b', 0.7],
      ['setPower', 'a', 0.7],
      ['setPower (not running)', 'gone', 0.5],
    ]);
  });
});

describe('a setPower cut short by a crash is carried through at restart', () => {
  const prefix = testPrefix();
  const start = utc('2026-03-02T16:00:00Z');
  const { clock } = steppedClock(start);
  let api: TestApp;
  let dispatch: TestApp | undefined;
  beforeAll(async () => (api = await startTestApp({ prefix, clock, roles: 'api' })));
  afterAll(async () => {
    await dispatch?.app.close();
    dispatch?.redis.disconnect();
    await api.close();
  });

  it('re-sends the claimed setPower with its fraction; the site caps the job and the record follows', async () => {
    const http = api.app.getHttpServer();
    const id = await submit(http, {
      name: 'cut-short',
      gpus: 100,
      runtimeHours: 10,
      deadline: '2026-03-04T00:00:00Z',
      sites: ['west-hub'],
      power: CURVE,
    });
    // Running at the simulated site, and a setPower claimed on the record by a worker that then died.
    const site = api.app.get(SiteExecutors).forSite('west-hub') as SimulatedExecutor;
    const now = clock.now();
    await site.perform({
      actionId: `${id}.v1.s0.start`,
      action: 'start',
      jobId: id,
      site: 'west-hub',
      planVersion: 1,
      segment: 0,
      job: { name: 'cut-short', gpus: 100, runtimeHours: 10, doneHours: 0, checkpointMinutes: 10, power: CURVE },
      at: now.toISO(),
    });
    await api.app.get(JobsRepository).update(id, (job) => ({
      ...started(transition(job, 'scheduled', now.toISO(), 'test'), 'west-hub', now, 'test'),
      pendingAction: {
        id: `${id}.v1.s0.setPower`,
        action: 'setPower',
        site: 'west-hub',
        planVersion: 1,
        segment: 0,
        since: now.toISO(),
        powerFraction: 0.7,
      },
    }));
    dispatch = await startTestApp({ prefix, clock, roles: 'dispatch' });
    const capped = await until(
      () => getJob(http, id),
      (j) => j.pendingAction === undefined,
    );
    expect(capped.run.powerFraction).toBe(0.7);
    expect(capped.run.segments[0].power).toEqual([
      { at: now.toISO(), fraction: 0.7, reason: 'capped to 70% power; plan 1' },
    ]);
    expect((await siteLog(api, 'west-hub')).map((e) => [e.action, e.actionId, e.powerFraction])).toEqual([
      ['start', `${id}.v1.s0.start`, undefined],
      ['setPower', `${id}.v1.s0.setPower`, 0.7],
    ]);
  });
});

interface Received {
  order: ExecutorOrder | PowerOrder;
  webhookId: string;
}

describe('power capping through the http executor', () => {
  const SECRET = 'whsec_ZGUtaHViLWFnZW50LXNlY3JldC0wMDAx';
  const start = utc('2026-03-07T01:00:00Z');
  const { clock } = steppedClock(start);
  const received: Received[] = [];
  const webhook = new Webhook(SECRET);
  let server: Server;
  let t: TestApp;
  let http: App;

  beforeAll(async () => {
    // A stand-in site agent: verifies each signed order, keeps it, answers 202.
    server = createServer((req, res) => {
      void read(req).then((body) => {
        try {
          const order = webhook.verify(body, req.headers as Record<string, string>) as ExecutorOrder | PowerOrder;
          received.push({ order, webhookId: String(req.headers['webhook-id']) });
          // An agent whose nvidia-smi fails on this job's GPUs.
          res.writeHead(order.action === 'setPower' && order.job.name === 'uncappable' ? 500 : 202).end();
        } catch {
          res.writeHead(401).end();
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/agent`;
    const configPath = testConfigWith((config) => {
      const site = config.sites.find((s: { id: string }) => s.id === 'de-hub');
      site.executor = { type: 'http', url, secret: SECRET, attempts: 3, backoffMs: 50, timeoutMs: 2000 };
    });
    t = await startTestApp({ clock, configPath, roles: 'api,dispatch' });
    http = t.app.getHttpServer();
  });
  afterAll(async () => {
    await t.close();
    await new Promise((resolve) => server.close(resolve));
  });

  const ordersFor = (jobId: string) => received.filter((r) => r.order.jobId === jobId).map((r) => r.order);

  it('the agent receives a signed setPower with the fraction and the curve; lifting the cap sends 1', async () => {
    const id = await submit(http, {
      name: 'capped-http',
      runtimeHours: 6,
      deadline: '2026-03-08T12:00:00Z',
      sites: ['de-hub'],
      power: CURVE,
    });
    const { version: first } = await planAndDispatch(t, id, start, [segment('de-hub', start, 6, 0.6)]);
    await until(
      () => getJob(http, id),
      (j) => j.run?.powerFraction === 0.6,
    );
    expect(ordersFor(id).map((o) => o.action)).toEqual(['start', 'setPower']);
    const setPower = ordersFor(id)[1] as PowerOrder;
    expect(setPower).toMatchObject({
      actionId: `${id}.v${first}.s0.setPower`,
      action: 'setPower',
      jobId: id,
      site: 'de-hub',
      powerFraction: 0.6,
      job: { gpus: 8, runtimeHours: 6, power: CURVE },
      at: start.toISO(),
    });
    expect(received.find((r) => r.order === setPower)!.webhookId).toBe(setPower.actionId);

    // The plan lifts the cap: the agent is told 1, the job runs uncapped again.
    const { version: second, sent } = await planAndDispatch(t, id, start, [segment('de-hub', start, 6)]);
    expect(sent).toEqual({ setPower: 1 });
    const lifted = await until(
      () => getJob(http, id),
      (j) => j.run.segments[0].power?.length === 2,
    );
    expect(lifted.run.powerFraction).toBeUndefined();
    expect(ordersFor(id).map((o) => [o.action, (o as PowerOrder).powerFraction])).toEqual([
      ['start', undefined],
      ['setPower', 0.6],
      ['setPower', 1],
    ]);
    expect(ordersFor(id)[2].actionId).toBe(`${id}.v${second}.s0.setPower`);
  });

  it('a cap the agent keeps refusing leaves the job running uncapped, not failed', async () => {
    const id = await submit(http, {
      name: 'uncappable',
      runtimeHours: 6,
      deadline: '2026-03-08T12:00:00Z',
      sites: ['de-hub'],
      power: CURVE,
    });
    const { version } = await planAndDispatch(t, id, start, [segment('de-hub', start, 6, 0.6)]);
    await until(
      () => ordersFor(id).length,
      (n) => n === 4,
    );
    const after = await until(
      () => getJob(http, id),
      (j) => j.pendingAction === undefined,
    );
    expect(ordersFor(id).map((o) => [o.action, o.actionId])).toEqual([
      ['start', `${id}.v${version}.s0.start`],
      ...Array.from({ length: 3 }, () => ['setPower', `${id}.v${version}.s0.setPower`]),
    ]);
    expect(after.state).toBe('running');
    expect(after.run.powerFraction).toBeUndefined();
    expect(after.run.segments[0].power).toBeUndefined();
  });

  it('a job that declares no curve is never sent a setPower, whatever the plan says', async () => {
    const id = await submit(http, {
      name: 'plain-http',
      runtimeHours: 6,
      deadline: '2026-03-08T12:00:00Z',
      sites: ['de-hub'],
    });
    expect((await planAndDispatch(t, id, start, [segment('de-hub', start, 6, 0.6)])).sent).toEqual({ start: 1 });
    // The start's BullMQ job completes only after what follows it (a setPower, were one wanted) is queued.
    const queue = t.app.get(DispatchQueues).forSite('de-hub');
    await until(
      async () => (await queue.getJobs(['completed'])).filter((j) => j.data.jobId === id).length,
      (n) => n === 1,
    );
    // Running now, a further round of the same plan sends nothing either.
    expect((await planAndDispatch(t, id, start, [segment('de-hub', start, 6, 0.6)])).sent).toEqual({});
    const queued = await queue.getJobs(['waiting', 'active', 'delayed', 'completed', 'failed']);
    expect(queued.filter((j) => j.data.jobId === id).map((j) => j.name)).toEqual(['start']);
    expect(ordersFor(id).map((o) => o.action)).toEqual(['start']);
    expect((await getJob(http, id)).run.powerFraction).toBeUndefined();
  });
});

function read(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve(Buffer.concat(chunks).toString()));
  });
}

describe("power capping as the planner's choice, in the running service", () => {
  // No forecasts pushed: every hour draws from the grid, so the same work for less energy is less grid energy.
  const ctx = useTestApp({ clock: virtualClock(utc('2026-03-02T16:00:00Z'), 1), roles: ALL_ROLES });
  const job = { gpus: 8, runtimeHours: 2, deadline: '2026-03-04T00:00:00Z', sites: ['west-hub'] };

  it('plans a job with a curve at 50% throughout, says why, and the site runs it capped', async () => {
    const id = await submit(ctx.http, { ...job, name: 'bends', power: CURVE });
    const capped = await until(
      () => getJob(ctx.http, id),
      (j) => j.run?.powerFraction === 0.5,
    );
    expect(capped.state).toBe('running');
    expect(capped.plan.segments.map((s: { powerFraction?: number }) => s.powerFraction)).toEqual([0.5]);
    expect(capped.plan.reason).toMatch(/^capped to 50% throughout: its work for 71% of the energy; /);
    // 2 h of work at 0.7 throughput: 2.86 h (at 70%, 2.22 h; at full power, 2 h), from the start of the hour it began.
    const hours =
      (Date.parse(capped.plan.expectedFinish as string) - Date.parse(capped.plan.segments[0].start as string)) /
      HOUR_MS;
    expect(hours).toBeCloseTo(2 / 0.7, 1);
  });

  it('runs the same job without a curve at full power', async () => {
    const id = await submit(ctx.http, { ...job, name: 'straight' });
    const running = await until(
      () => getJob(ctx.http, id),
      (j) => j.state === 'running',
    );
    expect(running.run.powerFraction).toBeUndefined();
    expect(running.plan.segments.every((s: { powerFraction?: number }) => s.powerFraction === undefined)).toBe(true);
  });
});

describe('capped through the peak hours it cannot avoid, in the running service', () => {
  // 16:00 Asia/Shanghai, an hour before the zone's 17:00–22:00 peak; no forecasts: every hour on the grid.
  const start = utc('2026-03-02T08:00:00Z');
  const { clock, advance } = steppedClock(start);
  const ctx = useTestApp({ clock, roles: ALL_ROLES });

  it('plans the peak hours at 50%, and the site caps the running job when the peak begins', async () => {
    // 3 h of work due by 14:00 UTC (22:00 local): one hour before the peak, the rest in it.
    const id = await submit(ctx.http, {
      name: 'through-the-peak',
      gpus: 8,
      runtimeHours: 3,
      deadline: '2026-03-02T14:00:00Z',
      sites: ['west-hub'],
      power: CURVE,
    });
    const before = await until(
      () => getJob(ctx.http, id),
      (j) => j.state === 'running' && j.run?.powerFraction !== undefined,
    );
    // The hour before the peak at 70% (on the grid, the same work for less energy), the peak hours at 50%.
    expect(
      before.plan.segments.map((s: { start: string; powerFraction?: number }) => [s.start, s.powerFraction]),
    ).toEqual([
      ['2026-03-02T08:00:00.000Z', 0.7],
      ['2026-03-02T09:00:00.000Z', 0.5],
    ]);
    expect(before.plan.reason).toMatch(
      /^capped to 50% in peak hours \(from 17:00–20:00 Asia\/Shanghai\): peak; 70% otherwise; /,
    );
    expect(before.run.powerFraction).toBe(0.7);
    // 17:03 local: the peak has begun; the site reports its progress and the hourly tick re-plans, as they would.
    advance(1.05);
    await ctx.t.app.get(SimulatedSites).tick();
    ctx.t.app.get(PlanningService).requestReplan('the test moved the clock on into the peak');
    const capped = await until(
      () => getJob(ctx.http, id),
      (j) => j.run?.powerFraction === 0.5,
    );
    expect(capped.state).toBe('running');
    expect(capped.run.segments.at(-1).power.at(-1)).toMatchObject({ fraction: 0.5 });
  });
});
