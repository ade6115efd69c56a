import { DateTime } from 'luxon';
import request from 'supertest';
import type { App } from 'supertest/types.js';
import { virtualClock } from '../../src/domain/time/clock.js';
import { EventReportsRepository, type GridEventRecord } from '../../src/events/event-reports.repository.js';
import { HousekeepingService } from '../../src/planning/housekeeping.service.js';
import { SIGNALS_RETENTION_DAYS } from '../../src/signals/signals.service.js';
import { getJob, submit, testConfigWith, until } from '../support/execution.js';
import { notifyOpenAdr } from '../support/openadr.js';
import { ALPHA, OPERATOR, startTestApp, type TestApp } from '../support/test-app.js';
import { startVtnStandIn, type VtnStandIn } from '../support/vtn-stand-in.js';
import { untilClockAt } from '../support/virtual-time.js';

const VTN_TOKEN = 'openadr-token-000000001';
/** One job at east-edge: 8 GPUs × 0.7 kW × PUE 1.3. */
const JOB_MW = 0.00728;

describe('curtailment per grid event: baseline, metered, reported to the VTN (virtual clock, an hour per 10 s)', () => {
  // 01:00 UTC is 09:00 in Shanghai: no peak in zone west until 17:00 local.
  const clock = virtualClock(DateTime.fromISO('2026-03-02T01:00:00Z', { zone: 'utc' }), 360);
  let vtn: VtnStandIn;
  let t: TestApp;
  let http: App;

  beforeAll(async () => {
    vtn = await startVtnStandIn(VTN_TOKEN);
    const configPath = testConfigWith((config) => {
      config.openadr[0].vtn = { url: vtn.url, venName: 'westwind-test', attempts: 4, backoffMs: 200 };
    });
    t = await startTestApp({ clock, configPath, roles: 'api,planner,dispatch' });
    http = t.app.getHttpServer();
  });
  afterAll(async () => {
    await t?.close();
    await vtn?.close();
  });

  const report = (id: string) =>
    request(http)
      .get(`/v1/events/${encodeURIComponent(id)}/report`)
      .set(OPERATOR)
      .expect(200);

  it('keeps the plan’s grid import as baseline, meters the hours, posts an OpenADR report at the end', async () => {
    // Two jobs on grid power at east-edge (no forecast: no green supply).
    const deadline = clock.now().plus({ hours: 48 }).toISO();
    const ids = await Promise.all(
      ['a', 'b'].map((n) =>
        submit(http, { name: `dr-${n}`, gpus: 8, runtimeHours: 12, deadline, deferrable: false, sites: ['east-edge'] }),
      ),
    );
    await until(
      () => Promise.all(ids.map(async (id) => (await getJob(http, id)).state as string)),
      (s) => s.every((state) => state === 'running'),
    );
    // Early in an hour (an hour is 10 s here): the report is read, and one job paused, before the next hour begins.
    // Not at its very top, where the hour's own re-plan is still being dispatched.
    if (clock.now().minute >= 15) await untilClockAt(clock, clock.now().startOf('hour').plus({ hours: 1, minutes: 2 }));
    // From now to two hours after the current one began: room for one of the two jobs (8 kW).
    const now = clock.now();
    const end = now.startOf('hour').plus({ hours: 2 });
    vtn.failNext(2);
    await notifyOpenAdr(http, 'POST', {
      id: 'dr-7',
      programID: 'west-dr',
      eventName: 'afternoon-dr',
      intervalPeriod: { start: now.toISO(), duration: `PT${Math.floor(end.diff(now).as('seconds'))}S` },
      intervals: [{ id: 0, payloads: [{ type: 'IMPORT_CAPACITY_LIMIT', values: [8] }] }],
    });

    // The baseline: both jobs, as the plan had them before the event.
    const first = (await report('west-dr:dr-7')).body;
    expect(first).toMatchObject({
      id: 'west-dr:dr-7',
      programId: 'west-dr',
      eventId: 'dr-7',
      eventName: 'afternoon-dr',
      zone: 'west',
      timeZone: 'Asia/Shanghai',
      sites: ['east-edge'],
      deletedAt: null,
      emergency: null,
      vtnReport: { state: 'waiting', attempts: 0 },
    });
    expect(first.planVersion).toEqual(expect.any(Number));
    // The hours in UTC and in Shanghai's local time. Which hour it is depends on how long the app's
    // start-up took (an hour of this clock is 10 s): 09:00 local, or 10:00 or later on a slow machine.
    const local = (hour: DateTime) => hour.setZone('Asia/Shanghai').toFormat("yyyy-MM-dd'T'HH:mmZZ");
    const hours = [now.startOf('hour'), now.startOf('hour').plus({ hours: 1 })];
    expect(first.hours.map((h: { hour: string; local: string }) => [h.hour, h.local])).toEqual(
      hours.map((hour) => [hour.toISO(), local(hour)]),
    );
    expect(first.hours[1].local).toMatch(/T\d\d:00\+08:00$/);
    for (const hour of first.hours) expect(hour.baselineMw).toBeCloseTo(2 * JOB_MW, 6);
    expect(first.hours[1]).toMatchObject({ elapsed: 0, meteredMw: null, curtailedMw: null });

    // One job pauses at once; the report goes out once the event is over, after two refusals.
    const paused = await until(
      () => Promise.all(ids.map(async (id) => (await getJob(http, id)).state as string)),
      (s) => s.filter((state) => state === 'paused').length === 1,
    );
    expect(paused.sort()).toEqual(['paused', 'running']);
    await until(
      () => vtn.reports.length,
      (n) => n === 1,
      60_000,
    );
    expect(vtn.requests.map((r) => r.status)).toEqual([503, 503, 201]);

    const done = (await report('west-dr:dr-7')).body;
    console.log(`the event's report once it ended: ${JSON.stringify(done)}`);
    expect(done.totals.complete).toBe(true);
    expect(done.vtnReport).toMatchObject({ state: 'sent', attempts: 3, reportId: expect.stringMatching(/^report-/) });
    const [h0, h1] = done.hours;
    // The first hour: both jobs until the event (early in the hour), one after; the second: one job all through.
    expect(h0.meteredMw).toBeGreaterThan(0);
    expect(h0.curtailedMw).toBeGreaterThan(0);
    expect(h0.curtailedMw).toBeCloseTo(h0.baselineMw - h0.meteredMw, 6);
    expect(h1).toMatchObject({ elapsed: 1 });
    expect(h1.meteredMw).toBeCloseTo(JOB_MW, 6);
    expect(h1.curtailedMw).toBeCloseTo(JOB_MW, 6);
    expect(h1.sites).toEqual([
      { site: 'east-edge', baselineMw: h1.baselineMw, meteredMw: h1.meteredMw, curtailedMw: h1.curtailedMw },
    ]);
    expect(done.totals.curtailedMwh).toBeCloseTo(h0.curtailedMw + h1.curtailedMw, 5);
    expect(done.totals.baselineMwh).toBeCloseTo(4 * JOB_MW, 5);

    // What the VTN got: the event's and program's ids, the VEN's name, per hour baseline and demand in kW.
    const sent = vtn.reports[0];
    expect(sent.authorization).toBe(`Bearer ${VTN_TOKEN}`);
    expect(sent.body).toMatchObject({
      objectType: 'REPORT',
      programID: 'west-dr',
      eventID: 'dr-7',
      clientName: 'westwind-test',
      payloadDescriptors: [
        { payloadType: 'BASELINE', readingType: 'MEAN', units: 'KW' },
        { payloadType: 'DEMAND', readingType: 'MEAN', units: 'KW' },
        { payloadType: 'DELTA_USAGE', readingType: 'SUMMED', units: 'KWH' },
      ],
    });
    const resources = sent.body.resources as { resourceName: string; intervals: unknown[] }[];
    expect(resources.map((r) => r.resourceName)).toEqual(['east-edge']);
    expect(resources[0].intervals[1]).toEqual({
      id: 1,
      intervalPeriod: { start: h1.hour, duration: 'PT1H' },
      payloads: [
        { type: 'BASELINE', values: [expect.closeTo(14.56, 2)] },
        { type: 'DEMAND', values: [expect.closeTo(7.28, 2)] },
        { type: 'DELTA_USAGE', values: [expect.closeTo(-7.28, 2)] },
      ],
    });
  }, 120_000);

  it('a VTN that keeps refusing: retried with backoff, then failed with the cause', async () => {
    vtn.failNext(100);
    await notifyOpenAdr(http, 'POST', {
      id: 'dr-8',
      programID: 'west-dr',
      intervalPeriod: { start: clock.now().toISO(), duration: 'PT5M' },
      intervals: [{ id: 0, payloads: [{ type: 'IMPORT_CAPACITY_LIMIT', values: [50] }] }],
    });
    const failed = await until(
      async () => (await report('west-dr:dr-8')).body.vtnReport,
      (status) => status.state === 'failed',
      30_000,
    );
    expect(failed).toMatchObject({ attempts: 4, detail: expect.stringContaining('answered HTTP 503') });
    vtn.failNext(0);
  });

  it('an emergency names why; a withdrawn event reports its hours up to the withdrawal', async () => {
    const start = clock.now().plus({ hours: 5 }).startOf('hour');
    const alert = {
      id: 'alert-1',
      programID: 'west-peak',
      intervalPeriod: { start: start.toISO(), duration: 'PT3H' },
      intervals: [{ id: 0, payloads: [{ type: 'ALERT_GRID_EMERGENCY', values: ['Capacity shortfall'] }] }],
    };
    await notifyOpenAdr(http, 'POST', alert);
    const before = (await report('west-peak:alert-1')).body;
    expect(before.emergency).toBe('ALERT_GRID_EMERGENCY: Capacity shortfall');
    expect(before.sites).toEqual(['west-hub', 'east-edge']);
    expect(before.hours).toHaveLength(3);
    await notifyOpenAdr(http, 'DELETE', alert);
    const withdrawn = (await report('west-peak:alert-1')).body;
    expect(withdrawn.deletedAt).toEqual(expect.any(String));
    expect(withdrawn.hours).toEqual([]);
  });

  it("housekeeping forgets records of events ended past the signals' retention, with no new event", async () => {
    const repository = t.app.get(EventReportsRepository);
    // Records of two events that ended long ago (as an OpenADR event leaves them), with their VTN reports.
    const aged = async (id: string, endedDaysAgo: number) => {
      const key = `west-dr:${id}`;
      const ended = clock.now().minus({ days: endedDaysAgo });
      const at = ended.toISO();
      await repository.update(key, (): GridEventRecord => ({
        key,
        zone: 'west',
        sites: ['east-edge'],
        source: { kind: 'openadr', subscription: 'west-vtn', programId: 'west-dr', eventId: id },
        receivedAt: at,
        updatedAt: at,
        startMs: ended.minus({ hours: 1 }).toMillis(),
        endMs: ended.toMillis(),
        planVersion: null,
        baseline: { hours: [], sites: {} },
      }));
      await repository.setVtnStatus(key, { state: 'sent', attempts: 1, at });
    };
    await aged('aged-31d', SIGNALS_RETENTION_DAYS + 1);
    await aged('aged-29d', SIGNALS_RETENTION_DAYS - 1);
    await report('west-dr:aged-31d');

    // No event arrives: housekeeping alone forgets the one past retention, and its VTN report's status.

    await t.app.get(HousekeepingService).run();
    await request(http).get('/v1/events/west-dr:aged-31d/report').set(OPERATOR).expect(404);
    expect(await repository.vtnStatus('west-dr:aged-31d')).toBeUndefined();
    expect((await report('west-dr:aged-29d')).body.vtnReport).toMatchObject({ state: 'sent' });
  });

  it('404 problem for an unknown event; operators only; described in /docs', async () => {
    const missing = await request(http).get('/v1/events/west-dr:nope/report').set(OPERATOR).expect(404);
    expect(missing.headers['content-type']).toMatch(/problem\+json/);
    expect(missing.body).toMatchObject({ status: 404, detail: expect.stringContaining('west-dr:nope') });
    await request(http).get('/v1/events/west-dr:dr-7/report').expect(401);
    await request(http).get('/v1/events/west-dr:dr-7/report').set(ALPHA).expect(403);
    const doc = (await request(http).get('/docs/json').expect(200)).body;
    expect(doc.paths['/v1/events/{id}/report'].get.responses['200'].content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/EventReportDto',
    });
    expect(doc.components.schemas.EventHourDto.required).toEqual(
      expect.arrayContaining(['hour', 'local', 'baselineMw', 'meteredMw', 'curtailedMw']),
    );
  });
});
