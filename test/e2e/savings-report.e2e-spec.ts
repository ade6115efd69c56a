import { DateTime } from 'luxon';
import request from 'supertest';
import type { App } from 'supertest/types.js';
import { finished, started } from '../../src/domain/execution/job-run.js';
import { transition } from '../../src/domain/jobs/job-state-machine.js';
import { type Clock, realMsUntil, virtualClock } from '../../src/domain/time/clock.js';
import { HOUR_MS } from '../../src/domain/time/hours.js';
import { JobsRepository } from '../../src/jobs/jobs.repository.js';
import { SavingsService } from '../../src/reports/savings.service.js';
import { until } from '../support/execution.js';
import { signedHeaders } from '../support/signed-webhook.js';
import { ALPHA, BETA, NW_GRID_SECRET, OPERATOR, startTestApp, type TestApp, useTestApp } from '../support/test-app.js';
import { untilClockAt } from '../support/virtual-time.js';

const utc = (iso: string) => DateTime.fromISO(iso, { zone: 'utc' });
const VIEWER = { authorization: 'Bearer watcher-key-0000000001' };
const AGENT = { authorization: 'Bearer west-agent-key-00000001' };
const CARBON = 600;
const PRICE = 80;
/** 400 GPUs × 0.7 kW × PUE 1.2 at west-hub. */
const POWER_MW = 0.336;

/**
 * Zone west for 48 hours from `from`: no wind for `windFrom` hours (until 14:00 UTC by default), then
 * 1,000 MW (west-hub's green supply: its 0.43 MW maximum); load 500 MW; carbon 600 g/kWh and price 80
 * every hour. Its peak, 17:00–22:00 Asia/Shanghai, is 09:00–14:00 UTC.
 */
async function postForecast(http: App, issuedAt: DateTime, from = utc('2026-03-02T06:00:00Z'), windFrom = 8) {
  const points = Array.from({ length: 48 }, (_, h) => {
    const at = from.plus({ hours: h });
    return {
      start: at.toISO(),
      windMw: h >= windFrom ? 1000 : 0,
      solarMw: 0,
      loadMw: 500,
      carbonGPerKwh: CARBON,
      pricePerMwh: PRICE,
    };
  });
  const body = JSON.stringify({ zone: 'west', issuedAt: issuedAt.toISO(), resolution: 'PT1H', points });
  await request(http).post('/v1/webhooks/forecasts').set(signedHeaders(NW_GRID_SECRET, body)).send(body).expect(200);
}

async function submit(http: App, auth: Record<string, string>, job: Record<string, unknown>): Promise<string> {
  const res = await request(http)
    .post('/v1/jobs')
    .set(auth)
    .send({ interruptible: true, sites: ['west-hub'], ...job });
  if (res.status !== 201) throw new Error(`submission refused: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id as string;
}

interface RunSegment {
  site: string;
  start: string;
  end: string;
}

/** MWh a job's recorded run segments used at full power. */
const usedMwh = (segments: RunSegment[]) =>
  segments.reduce((sum, s) => sum + ((Date.parse(s.end) - Date.parse(s.start)) / HOUR_MS) * POWER_MW, 0);

describe('savings against fifo per tenant and month (planner and simulated sites, virtual clock)', () => {
  let t: TestApp;
  let http: App;
  let clock: Clock;

  beforeAll(async () => {
    // 900×: an hour every 4 s. Made here, so the app's start-up is not the jobs' hours.
    clock = virtualClock(utc('2026-03-02T08:00:00Z'), 900);
    t = await startTestApp({
      clock,
      roles: 'api,planner,dispatch',
      configure: (config) => {
        config.sites.find((s) => s.id === 'west-hub')!.agentKeys = ['west-agent-key-00000001'];
      },
    });
    http = t.app.getHttpServer();
  });
  afterAll(() => t?.close());

  const report = (auth: Record<string, string>, query = '') =>
    request(http).get(`/v1/reports/savings${query}`).set(auth);

  it('counts each finished job once, for its tenant: JSON, CSV, isolation, retention', async () => {
    await postForecast(http, clock.now());
    // Submitted in the peak, without wind: fifo would run both at once from the grid.
    await untilClockAt(clock, utc('2026-03-02T09:00:00Z'));
    const green = await submit(http, ALPHA, {
      name: 'waits-for-wind',
      gpus: 400,
      runtimeHours: 2,
      deadline: '2026-03-03T12:00:00Z',
      deferrable: true,
    });
    const urgent = await submit(http, BETA, {
      name: 'runs-now',
      gpus: 400,
      runtimeHours: 1,
      deadline: '2026-03-03T12:00:00Z',
      deferrable: false,
    });
    const dropped = await submit(http, BETA, {
      name: 'dropped',
      gpus: 8,
      runtimeHours: 2,
      deadline: '2026-03-03T12:00:00Z',
      deferrable: true,
    });
    await request(http).delete(`/v1/jobs/${dropped}`).set(BETA).expect(200);
    // Counted as it ends, not by the planner's catch-up (at start, then a real minute later).
    await until(
      async () => (await report(BETA).expect(200)).body.totals,
      (totals) => totals.cancelled === 1 && totals.jobs === 1,
      10_000,
    );

    const jobs = t.app.get(JobsRepository);
    const [g, u] = await until(
      () => Promise.all([jobs.get(green), jobs.get(urgent)]),
      (both) => both.every((j) => j?.state === 'completed'),
      90_000,
    );
    const greenSegments = g!.run!.segments as RunSegment[];
    const urgentSegments = u!.run!.segments as RunSegment[];
    // What the figures below rest on: the deferrable job ran in the wind, the urgent one at once in the
    // peak; fifo runs each from its submission (before 12:00), for the energy it used.
    expect(greenSegments.every((s) => utc(s.start) >= utc('2026-03-02T14:00:00Z'))).toBe(true);
    expect(urgentSegments.every((s) => utc(s.end) <= utc('2026-03-02T14:00:00Z'))).toBe(true);
    expect(utc(g!.submittedAt) < utc('2026-03-02T12:00:00Z')).toBe(true);
    const greenMwh = usedMwh(greenSegments);
    const urgentMwh = usedMwh(urgentSegments);
    expect(greenMwh).toBeCloseTo(2 * POWER_MW, 1);

    // Counted as the jobs ended (in the background): wait for all three.
    const all = await until(
      async () => (await report(OPERATOR, '?month=2026-03').expect(200)).body,
      (body) => body.totals.jobs === 3,
      20_000,
    );
    expect(all).toMatchObject({
      month: '2026-03',
      timeZone: 'UTC',
      from: '2026-03-01T00:00:00.000Z',
      to: '2026-04-01T00:00:00.000Z',
      complete: false,
    });
    expect(all.tenants.map((r: { tenant: string }) => r.tenant)).toEqual(['alpha', 'beta']);
    const [alpha, beta] = all.tenants;

    // alpha: all green as run; fifo would have drawn the same MWh from the grid in the peak.
    expect(alpha).toMatchObject({ tenant: 'alpha', jobs: 1, completed: 1, failed: 0, cancelled: 0 });
    expect(alpha.westwind.energyMwh).toBeCloseTo(greenMwh, 2);
    expect(alpha.westwind.greenMwh).toBeCloseTo(greenMwh, 2);
    expect(alpha.westwind.gridMwh).toBe(0);
    expect(alpha.fifo.energyMwh).toBeCloseTo(greenMwh, 2);
    expect(alpha.fifo.gridMwh).toBeCloseTo(greenMwh, 2);
    expect(alpha.fifo.peakGridMwh).toBeCloseTo(greenMwh, 2);
    expect(alpha.avoided.gridMwh).toBeCloseTo(greenMwh, 2);
    expect(alpha.avoided.peakGridMwh).toBeCloseTo(greenMwh, 2);
    expect(alpha.avoided.carbonKg).toBeCloseTo(greenMwh * CARBON, 1);
    expect(alpha.avoided.cost).toBeCloseTo(greenMwh * PRICE, 1);

    // beta: the urgent job ran as fifo would (grid, peak): nothing avoided; the cancelled one used nothing.
    expect(beta).toMatchObject({ tenant: 'beta', jobs: 2, completed: 1, failed: 0, cancelled: 1 });
    expect(beta.westwind.gridMwh).toBeCloseTo(urgentMwh, 2);
    expect(beta.westwind.peakGridMwh).toBeCloseTo(urgentMwh, 2);
    expect(beta.westwind.carbonKg).toBeCloseTo(urgentMwh * CARBON, 1);
    expect(beta.fifo.gridMwh).toBeCloseTo(urgentMwh, 2);
    expect(beta.avoided).toEqual({ gridMwh: 0, peakGridMwh: 0, carbonKg: 0, cost: 0 });

    expect(all.totals.jobs).toBe(3);
    expect(all.totals.cancelled).toBe(1);
    expect(all.totals.westwind.energyMwh).toBeCloseTo(greenMwh + urgentMwh, 2);
    expect(all.totals.avoided.gridMwh).toBeCloseTo(greenMwh, 2);

    // Once: counting a job again adds nothing.
    expect(await t.app.get(SavingsService).count(g!)).toBe(false);
    expect((await report(OPERATOR, '?month=2026-03').expect(200)).body.tenants).toEqual(all.tenants);

    // A tenant sees its own row only, with its totals; a viewer operator sees all; a site agent nothing.
    const own = (await report(ALPHA).expect(200)).body;
    expect(own.month).toBe('2026-03'); // the service clock's month by default
    expect(own.tenants).toEqual([alpha]);
    expect(own.totals).toEqual(withoutTenant(alpha));
    expect((await report(BETA, '?month=2026-03').expect(200)).body.tenants).toEqual([beta]);
    expect((await report(VIEWER, '?month=2026-03').expect(200)).body.tenants).toEqual(all.tenants);
    const refused = await report(AGENT).expect(403);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);

    // CSV, by format= or by Accept: the same figures as the JSON.
    const csv = await report(OPERATOR, '?month=2026-03').set('accept', 'text/csv').expect(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    const lines = csv.text.split('\r\n');
    expect(lines.at(-1)).toBe('');
    const header = lines[0].split(',');
    expect(header.slice(0, 6)).toEqual(['month', 'tenant', 'jobs', 'completed', 'failed', 'cancelled']);
    const rows = lines.slice(1, -1).map((line) => Object.fromEntries(line.split(',').map((v, i) => [header[i], v])));
    expect(rows.map((r) => r.tenant)).toEqual(['alpha', 'beta']);
    expect(rows[0]).toMatchObject({
      month: '2026-03',
      jobs: '1',
      westwind_green_mwh: String(alpha.westwind.greenMwh),
      fifo_peak_grid_mwh: String(alpha.fifo.peakGridMwh),
      avoided_grid_mwh: String(alpha.avoided.gridMwh),
      avoided_carbon_kg: String(alpha.avoided.carbonKg),
      avoided_cost: String(alpha.avoided.cost),
    });
    expect(rows[1]).toMatchObject({ tenant: 'beta', jobs: '2', cancelled: '1', avoided_grid_mwh: '0' });
    const ownCsv = await report(ALPHA, '?format=csv').expect(200);
    expect(ownCsv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(ownCsv.text.split('\r\n')).toEqual([lines[0], lines[1], '']);
    // format=json wins over Accept.
    expect((await report(ALPHA, '?format=json').set('accept', 'text/csv').expect(200)).body.tenants).toEqual([alpha]);

    // Kept 13 months of the service clock: the month's keys expire at the start of 2027-04.
    const ttl = await t.redis.pttl(`${t.prefix}reports:savings:2026-03`);
    const expected = realMsUntil(clock, utc('2027-04-01T00:00:00Z'));
    expect(ttl).toBeGreaterThan(expected - 60_000);
    expect(ttl).toBeLessThanOrEqual(expected + 60_000);
    expect(await t.redis.pttl(`${t.prefix}reports:savings:2026-03:jobs`)).toBeGreaterThan(expected - 60_000);

    // An earlier month within retention: every tenant, nothing counted, over.
    const february = (await report(OPERATOR, '?month=2026-02').expect(200)).body;
    expect(february.complete).toBe(true);
    expect(february.totals.jobs).toBe(0);
    expect(february.tenants.map((r: { jobs: number }) => r.jobs)).toEqual([0, 0]);
  }, 150_000);

  it('is described in /docs: JSON or CSV, the month and format query fields', async () => {
    const doc = (await request(http).get('/docs/json').expect(200)).body;
    const get = doc.paths['/v1/reports/savings'].get;
    expect(Object.keys(get.responses['200'].content)).toEqual(['application/json', 'text/csv']);
    expect(get.responses['200'].content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/SavingsReportDto',
    });
    expect(get.parameters.map((p: { name: string }) => p.name).sort()).toEqual(['format', 'month']);
    expect(get.security).toEqual([{ bearer: [] }]);
    const schemas = doc.components.schemas;
    expect(schemas.SavingsReportDto.required).toEqual(
      expect.arrayContaining(['month', 'timeZone', 'from', 'to', 'complete', 'tenants', 'totals']),
    );
    expect(schemas.SavingsRowDto.required).toEqual(expect.arrayContaining(['tenant', 'jobs', 'westwind', 'avoided']));
  });

  it.each([
    ['?month=2026-13', 'month'],
    ['?month=2026-3', 'month'],
    ['?month=march', 'month'],
    ['?month=2026-03-01', 'month'],
    ['?month=2026-04', 'month'], // after the service clock's month
    ['?month=2025-02', 'month'], // before the 13 months kept
    ['?month=2026-03&month=2026-02', 'month'],
    ['?format=xml', 'format'],
    ['?tenant=beta', 'tenant'],
  ])('answers %s with 400 problem+json naming %s', async (query, field) => {
    const res = await report(ALPHA, query).expect(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual([field]);
  });
});

describe('savings catch-up: jobs whose end was not announced (the clock stands at 2026-04-01 02:00 UTC)', () => {
  const clock = virtualClock(utc('2026-04-01T02:00:00Z'), 1, () => 0);
  const ctx = useTestApp({ clock });
  const at = (iso: string) => utc(iso).toISO()!;

  /** A job of `gpus` GPUs at west-hub submitted at `submitted`, run from `start`, ended at `end` as `state`. */
  async function ranUnannounced(
    auth: Record<string, string>,
    submitted: string,
    start: string,
    end: string,
    state: 'completed' | 'failed',
  ): Promise<string> {
    const id = await submit(ctx.http, auth, {
      name: 'unannounced',
      gpus: 100,
      runtimeHours: 4,
      deadline: '2026-04-03T00:00:00Z',
    });
    const jobs = ctx.t.app.get(JobsRepository);
    // Written straight to the records, as dispatch fails a job: no JobChanges announcement.
    await jobs.update(id, (job) => ({ ...job, submittedAt: at(submitted), earliestStart: at(submitted) }));
    await jobs.update(id, (job) => transition(job, 'scheduled', at(submitted), 'test'));
    await jobs.update(id, (job) => started(job, 'west-hub', utc(start), 'test'));
    await jobs.update(id, (job) => finished(job, state, utc(end), 'test'));
    return id;
  }

  it('counts them in the UTC month they ended in, by hand: 100 GPUs = 0.084 MW', async () => {
    // Wind from 2026-03-31 22:00 UTC on.
    await postForecast(ctx.http, clock.now(), utc('2026-03-31T00:00:00Z'), 22);
    // alpha's job, submitted 10:00 in the peak, ran 22:00–23:30 in the wind and failed: 0.126 MWh, all green.
    // fifo: 10:00–11:30, peak grid: 0.126 MWh × 600 g/kWh = 75.6 kg, × 80 = 10.08.
    await ranUnannounced(ALPHA, '2026-03-31T10:00:00Z', '2026-03-31T22:00:00Z', '2026-03-31T23:30:00Z', 'failed');
    // beta's, submitted and started 23:00, completed in April: 0.168 MWh in the wind, as fifo would have.
    await ranUnannounced(BETA, '2026-03-31T23:00:00Z', '2026-03-31T23:00:00Z', '2026-04-01T01:00:00Z', 'completed');
    const monthOf = async (month: string) =>
      (await request(ctx.http).get(`/v1/reports/savings?month=${month}`).set(OPERATOR).expect(200)).body;
    expect((await monthOf('2026-03')).totals.jobs).toBe(0);

    const savings = ctx.t.app.get(SavingsService);
    expect(await savings.catchUp()).toBe(2);
    expect(await savings.catchUp()).toBe(0);

    const march = await monthOf('2026-03');
    expect(march.complete).toBe(true);
    expect(march.tenants[0]).toEqual({
      tenant: 'alpha',
      jobs: 1,
      completed: 0,
      failed: 1,
      cancelled: 0,
      westwind: { energyMwh: 0.126, greenMwh: 0.126, gridMwh: 0, peakGridMwh: 0, carbonKg: 0, cost: 0 },
      fifo: { energyMwh: 0.126, greenMwh: 0, gridMwh: 0.126, peakGridMwh: 0.126, carbonKg: 75.6, cost: 10.08 },
      avoided: { gridMwh: 0.126, peakGridMwh: 0.126, carbonKg: 75.6, cost: 10.08 },
    });
    expect(march.tenants[1].jobs).toBe(0);
    const april = await monthOf('2026-04');
    expect(april.complete).toBe(false);
    expect(april.tenants[0].jobs).toBe(0);
    expect(april.tenants[1]).toMatchObject({
      tenant: 'beta',
      completed: 1,
      westwind: { energyMwh: 0.168, greenMwh: 0.168, gridMwh: 0 },
      avoided: { gridMwh: 0, peakGridMwh: 0, carbonKg: 0, cost: 0 },
    });
  });
});

function withoutTenant<T extends { tenant: string }>(row: T): Omit<T, 'tenant'> {
  const { tenant: _, ...rest } = row;
  return rest;
}
