import { DateTime } from 'luxon';
import request from 'supertest';
import type { App } from 'supertest/types.js';
import { SimulatedSites } from '../../src/execution/simulated-sites.service.js';
import { PlanningService } from '../../src/planning/planning.service.js';
import { getJob, siteLog, submit, until } from '../support/execution.js';
import { notifyOpenAdr } from '../support/openadr.js';
import { OPERATOR, startTestApp, type TestApp } from '../support/test-app.js';
import { ISSUE_POWER_CURVE as CURVE } from '../support/power-curves.js';
import { steppedClock } from '../support/virtual-time.js';

/** The sites must have every running job's setPower within this (wall clock) after the notification arrives. */
const BUDGET_MS = 30_000;
/** One job at east-edge (program west-dr, capacity in kW): 8 GPUs × 0.7 kW × PUE 1.3. */
const JOB_KW = 7.28;
const JOB_MW = JOB_KW / 1000;
/** 09:00 in Shanghai (zone west): no peak hour until 17:00 local, and no forecast: no green supply. */
const START = DateTime.fromISO('2026-03-02T01:00:00Z', { zone: 'utc' });

/**
 * A virtual clock that runs at the speed of the real one, so the latency of an emergency is real
 * wall-clock time (the simulated site logs its actions on it), and that the test moves on by whole
 * hours (`advance`) to meter the hours of the event without waiting for them.
 */
const runningClock = (start: DateTime) => steppedClock(start, Date.now);

type Job = Awaited<ReturnType<typeof getJob>>;

/** An IMPORT_CAPACITY_LIMIT on east-edge from `start` for `seconds`, `kw` of grid import. */
function importCap(id: string, start: DateTime, seconds: number, kw: number) {
  return {
    id,
    programID: 'west-dr',
    eventName: `cap-${kw}-kw`,
    intervalPeriod: { start: start.toISO(), duration: `PT${seconds}S` },
    intervals: [{ id: 0, payloads: [{ type: 'IMPORT_CAPACITY_LIMIT', values: [kw] }] }],
  };
}

async function startApp(clock: ReturnType<typeof runningClock>['clock']) {
  const t = await startTestApp({ clock, roles: 'api,planner,dispatch' });
  return { t, http: t.app.getHttpServer() };
}

/** Running jobs at east-edge (not deferrable: they start at once), with the curve or without. */
async function runningJobs(http: App, clock: ReturnType<typeof runningClock>['clock'], curves: boolean[]) {
  const deadline = clock.now().plus({ hours: 48 }).toISO();
  const ids = await Promise.all(
    curves.map((curve, n) =>
      submit(http, {
        name: `${curve ? 'flexible' : 'plain'}-${n}`,
        gpus: 8,
        runtimeHours: 12,
        deadline,
        deferrable: false,
        sites: ['east-edge'],
        ...(curve && { power: CURVE }),
      }),
    ),
  );
  await until(
    () => Promise.all(ids.map(async (id) => (await getJob(http, id)).state as string)),
    (s) => s.every((state) => state === 'running'),
    60_000,
  );
  return ids;
}

const jobs = (http: App, ids: string[]): Promise<Job[]> => Promise.all(ids.map((id) => getJob(http, id)));
const fraction = (job: Job) => (job.run?.powerFraction as number | undefined) ?? 1;

describe('an emergency met by capping: four flexible jobs capped to 70% in seconds, the curtailment reported', () => {
  const { clock, advance } = runningClock(START);
  let t: TestApp;
  let http: App;
  let ids: string[];
  beforeAll(async () => {
    ({ t, http } = await startApp(clock));
    ids = await runningJobs(http, clock, [true, true, true, true]);
  }, 120_000);
  afterAll(() => t?.close());

  const report = async (id: string) =>
    (
      await request(http)
        .get(`/v1/events/${encodeURIComponent(id)}/report`)
        .set(OPERATOR)
        .expect(200)
    ).body;
  /** Moves the clock on by an hour and re-plans, as the hourly tick would at the new hour. */
  const nextHour = async () => {
    advance(1);
    t.app.get(PlanningService).requestReplan('the test moved the clock on an hour');
    await t.app.get(SimulatedSites).tick();
  };

  it(`an IMPORT_CAPACITY_LIMIT at 70% of their draw, starting now: all four capped to 0.7 in ≤ ${
    BUDGET_MS / 1000
  } s, none paused`, async () => {
    expect((await jobs(http, ids)).map(fraction)).toEqual([1, 1, 1, 1]);
    // From now to 03:00: 70% of the four jobs' 29.12 kW.
    const now = clock.now();
    const end = now.startOf('hour').plus({ hours: 2 });
    const before = (await siteLog(t, 'east-edge')).length;
    const sentAt = clock.now().toMillis();
    const sentWall = Date.now();
    await notifyOpenAdr(
      http,
      'POST',
      importCap('dr-70', now, Math.floor(end.diff(now).as('seconds')), 0.7 * 4 * JOB_KW),
    );

    // The simulated site's own log, on this clock (the speed of the wall clock, not moved meanwhile).
    const told = await until(
      async () => (await siteLog(t, 'east-edge')).slice(before).filter((e) => e.action === 'setPower'),
      (entries) => ids.every((id) => entries.some((e) => e.jobId === id)),
      BUDGET_MS,
    );
    const atSite = Math.max(...told.map((e) => Date.parse(e.at))) - sentAt;
    const capped = await until(
      () => jobs(http, ids),
      (all) => all.every((j) => j.pendingAction === undefined && Math.abs(fraction(j) - 0.7) < 1e-6),
      BUDGET_MS,
    );
    const recorded = Date.now() - sentWall;
    console.log(
      `IMPORT_CAPACITY_LIMIT at 70% starting now: all 4 jobs capped at the site ${atSite} ms after the ` +
        `notification, recorded on every job after ${recorded} ms (budget ${BUDGET_MS} ms)`,
    );
    expect(atSite).toBeLessThan(BUDGET_MS);
    expect(recorded).toBeLessThan(BUDGET_MS);

    for (const entry of told) expect(entry.powerFraction).toBeCloseTo(0.7, 6);
    const since = (await siteLog(t, 'east-edge')).slice(before);
    expect(since.filter((e) => e.action !== 'setPower')).toEqual([]);
    for (const job of capped) {
      expect(job.state).toBe('running');
      expect(job.run.segments).toHaveLength(1);
      expect(job.run.segments[0].power).toEqual([
        { at: expect.any(String), fraction: expect.closeTo(0.7, 6), reason: expect.stringMatching(/^capped to 70%/) },
      ]);
      expect(job.plan.segments[0].powerFraction).toBeCloseTo(0.7, 6);
      // The plan's words, in the site's time zone: capped until the event's last hour ends.
      expect(job.plan.reason).toMatch(/^capped to 70% until 11:00 Asia\/Shanghai: import cap/);
    }
  }, 60_000);

  it('the event report shows the curtailment delivered hour by hour: 30% of the baseline once capped', async () => {
    const first = await report('west-dr:dr-70');
    expect(first.hours).toHaveLength(2);
    // The baseline: the four jobs at full power, as the plan had them before the event.
    for (const hour of first.hours) expect(hour.baselineMw).toBeCloseTo(4 * JOB_MW, 6);

    // Through the event's second hour, still capped: the plan made at 02:00 keeps the cap, nothing is sent.
    const version = ((await getJob(http, ids[0])).plan.version as number) ?? 0;
    const logged = (await siteLog(t, 'east-edge')).length;
    await nextHour();
    // A plan made for the new hour: one asked for before the clock moved (and made at 01:xx) may land after it.
    const during = await until(
      () => jobs(http, ids),
      (all) =>
        all.every(
          (j) =>
            (j.plan?.version as number) > version && j.plan.segments[0]?.start === START.plus({ hours: 1 }).toISO(),
        ),
    );
    for (const job of during) {
      expect(fraction(job)).toBeCloseTo(0.7, 6);
      expect(job.plan.segments[0]).toMatchObject({
        start: START.plus({ hours: 1 }).toISO(),
        powerFraction: expect.closeTo(0.7, 6),
      });
      expect(job.plan.reason).toMatch(/^capped to 70% until 11:00 Asia\/Shanghai: import cap/);
    }
    expect((await siteLog(t, 'east-edge')).slice(logged)).toEqual([]);
    // Past 03:00 the cap is gone: the next plan lifts it (setPower 1) and the jobs run at full power.
    await nextHour();
    const lifted = await until(
      () => jobs(http, ids),
      (all) => all.every((j) => j.pendingAction === undefined && j.run.powerFraction === undefined),
    );
    expect(lifted.every((j) => j.state === 'running')).toBe(true);

    const done = await report('west-dr:dr-70');
    console.log(`the event's report after it ended: ${JSON.stringify(done)}`);
    expect(done.totals.complete).toBe(true);
    const [h1, h2] = done.hours;
    expect(h1.hour).toBe(START.toISO());
    expect(h2.hour).toBe(START.plus({ hours: 1 }).toISO());
    // The first hour: the jobs started a moment into it and ran at full power until the event (the
    // app's start-up, on the wall clock: seconds), capped to 0.7 after.
    expect(h1.elapsed).toBe(1);
    expect(h1.meteredMw).toBeGreaterThan(0.69 * 4 * JOB_MW);
    expect(h1.meteredMw).toBeLessThan(0.72 * 4 * JOB_MW);
    expect(h1.curtailedMw).toBeCloseTo(h1.baselineMw - h1.meteredMw, 9);
    // The second hour capped all through: 70% of 29.12 kW drawn, 8.736 kW curtailed.
    expect(h2).toMatchObject({ elapsed: 1, meteredMw: expect.closeTo(0.7 * 4 * JOB_MW, 6) });
    expect(h2.curtailedMw).toBeCloseTo(0.3 * 4 * JOB_MW, 6);
    expect(h2.sites).toEqual([
      { site: 'east-edge', baselineMw: h2.baselineMw, meteredMw: h2.meteredMw, curtailedMw: h2.curtailedMw },
    ]);
    expect(done.totals.baselineMwh).toBeCloseTo(2 * 4 * JOB_MW, 6);
    expect(done.totals.curtailedMwh).toBeCloseTo(h1.curtailedMw + h2.curtailedMw, 6);
    expect(done.totals.curtailedMwh).toBeGreaterThan(0.28 * 2 * 4 * JOB_MW);
    // Nobody paused from start to finish: one run segment each, capped then lifted.
    for (const job of lifted) {
      expect(job.run.segments).toHaveLength(1);
      expect(job.run.segments[0].power.map((s: { fraction: number }) => s.fraction)).toEqual([
        expect.closeTo(0.7, 6),
        1,
      ]);
    }
  }, 60_000);
});

describe('a job without a power curve among flexible ones under an import cap', () => {
  const { clock } = runningClock(START);
  let t: TestApp;
  let http: App;
  let flexible: string[];
  let plain: string;
  beforeAll(async () => {
    ({ t, http } = await startApp(clock));
    [plain, ...flexible] = await runningJobs(http, clock, [false, true, true, true]);
  }, 120_000);
  afterAll(() => t?.close());

  it('a cut the flexible jobs can absorb: the plain job keeps full power, the others capped deeper (0.6)', async () => {
    // 70% of the four jobs' draw: the plain job's 7.28 kW and 3 × 0.6 × 7.28 kW.
    const now = clock.now();
    const before = (await siteLog(t, 'east-edge')).length;
    const sentWall = Date.now();
    await notifyOpenAdr(http, 'POST', importCap('dr-mix', now, 7200, 0.7 * 4 * JOB_KW));
    const capped = await until(
      () => jobs(http, flexible),
      (all) => all.every((j) => j.pendingAction === undefined && Math.abs(fraction(j) - 0.6) < 1e-6),
      BUDGET_MS,
    );
    console.log(`70% cut, one job without a curve: the three flexible ones at 0.6 after ${Date.now() - sentWall} ms`);
    expect(capped.every((j) => j.state === 'running')).toBe(true);
    const kept = await getJob(http, plain);
    expect(kept.state).toBe('running');
    expect(kept.run.powerFraction).toBeUndefined();
    expect(kept.plan.segments[0].powerFraction).toBeUndefined();
    const since = (await siteLog(t, 'east-edge')).slice(before);
    expect(since.map((e) => e.action)).toEqual(['setPower', 'setPower', 'setPower']);
    expect(since.some((e) => e.jobId === plain)).toBe(false);
  }, 60_000);

  it('a cut they cannot absorb: the plain job pauses, no flexible job goes below its minimum (0.5)', async () => {
    // 11 kW: the three minimums (3 × 3.64 kW = 10.92) fit, not with the plain job's 7.28 on top.
    const now = clock.now();
    const before = (await siteLog(t, 'east-edge')).length;
    await notifyOpenAdr(http, 'PUT', importCap('dr-mix', now, 7200, 11));
    const paused = await until(
      () => getJob(http, plain),
      (j) => j.state === 'paused',
      BUDGET_MS,
    );
    expect(paused.run?.powerFraction).toBeUndefined();
    const share = 11 / (3 * JOB_KW);
    const capped = await until(
      () => jobs(http, flexible),
      (all) => all.every((j) => j.pendingAction === undefined && Math.abs(fraction(j) - share) < 1e-6),
      BUDGET_MS,
    );
    expect(capped.every((j) => j.state === 'running')).toBe(true);
    const since = (await siteLog(t, 'east-edge')).slice(before);
    expect(since.filter((e) => e.action === 'pause').map((e) => e.jobId)).toEqual([plain]);
    for (const entry of since.filter((e) => e.action === 'setPower')) {
      expect(flexible).toContain(entry.jobId);
      expect(entry.powerFraction).toBeGreaterThanOrEqual(CURVE.minFraction);
    }
    // Every fraction any flexible job was ever set to, from the first cut on: never below 0.5.
    const steps = capped.flatMap((j) =>
      j.run.segments.flatMap((s: { power?: { fraction: number }[] }) => s.power ?? []),
    );
    expect(steps.length).toBeGreaterThanOrEqual(6);
    for (const step of steps) expect(step.fraction).toBeGreaterThanOrEqual(CURVE.minFraction);
    console.log(`11 kW cut: the plain job paused, the flexible ones at ${share.toFixed(4)} (minimum 0.5)`);
  }, 60_000);
});
