import { DateTime } from 'luxon';
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import type { App } from 'supertest/types.js';
import { virtualClock } from '../../src/domain/time/clock.js';
import { HOUR_MS } from '../../src/domain/time/hours.js';
import { SimulatedSites } from '../../src/execution/simulated-sites.service.js';
import { PlanningService } from '../../src/planning/planning.service.js';
import { launchChromium } from '../support/browser.js';
import { getJob, submit, until } from '../support/execution.js';
import { notifyOpenAdr } from '../support/openadr.js';
import { OPERATOR, startTestApp, type TestApp } from '../support/test-app.js';
import { ISSUE_POWER_CURVE as CURVE } from '../support/power-curves.js';

// The dashboard in headless Chromium: running jobs capped under a grid event's import cap, drawn at
// their capped power with their fraction (jobs table, timeline, the site's chart), and the event in
// "Grid events" with its import cap, its hours in the zone's time, and the curtailment it delivered.

/** One job at east-edge (program west-dr, capacity in kW): 8 GPUs × 0.7 kW × PUE 1.3. */
const JOB_KW = 7.28;
const JOB_MW = JOB_KW / 1000;
const ZONE = 'Asia/Shanghai';
/** 09:00 in Shanghai (zone west): no peak hour until 17:00 local, and no forecast: no green supply. */
const START = DateTime.fromISO('2026-03-02T01:00:00Z', { zone: 'utc' });

/** A clock at wall-clock speed that the test moves on by whole hours. */
let offsetMs = 0;
const clock = virtualClock(START, 1, () => Date.now() + offsetMs);

let t: TestApp;
let http: App;
let base: string;
let browser: Browser;
let page: Page;
let ids: string[];

/** "2026-03-02 09:00 Asia/Shanghai": how the page labels an instant in the site's zone. */
const local = (iso: string) => `${DateTime.fromISO(iso).setZone(ZONE).toFormat('yyyy-MM-dd HH:mm')} ${ZONE}`;
const kw = (mw: number) => `${(mw * 1000).toFixed(2)} kW`;
const kwh = (mwh: number) => `${(mwh * 1000).toFixed(2)} kWh`;

beforeAll(async () => {
  t = await startTestApp({ clock, roles: 'api,planner,dispatch' });
  await t.app.listen(0, '127.0.0.1');
  http = t.app.getHttpServer();
  base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
  const deadline = clock.now().plus({ hours: 48 }).toISO();
  ids = await Promise.all(
    [0, 1].map((n) =>
      submit(http, {
        name: `flexible-${n}`,
        gpus: 8,
        runtimeHours: 12,
        deadline,
        deferrable: false,
        sites: ['east-edge'],
        power: CURVE,
      }),
    ),
  );
  await until(
    () => Promise.all(ids.map(async (id) => (await getJob(http, id)).state as string)),
    (s) => s.every((state) => state === 'running'),
    60_000,
  );
  browser = await launchChromium();
  const context = await browser.newContext({ httpCredentials: { username: 'ops', password: 'ops-key-000000000001' } });
  page = await context.newPage();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

const report = async (id: string) =>
  (
    await request(http)
      .get(`/v1/events/${encodeURIComponent(id)}/report`)
      .set(OPERATOR)
      .expect(200)
  ).body;
const overview = async () => (await request(http).get('/dashboard/api/overview').set(OPERATOR).expect(200)).body;
const row = (id: string) => page.locator(`#jobs tbody tr[data-job-id="${id}"]`);
const event = () => page.locator('#grid-events .event-zone[data-zone="west"] article.grid-event');

describe('the dashboard under a grid event: capped jobs and the curtailment delivered', () => {
  let end: DateTime;

  it('jobs capped to 70% show "capped 70%", their planned segments and the chart at capped power', async () => {
    // From the second it is now (whole seconds, so the event ends on the hour) to 11:00 in Shanghai.
    const now = clock.now().startOf('second');
    end = now.startOf('hour').plus({ hours: 2 });
    await notifyOpenAdr(http, 'POST', {
      id: 'dr-dash',
      programID: 'west-dr',
      eventName: 'evening-cut',
      intervalPeriod: { start: now.toISO(), duration: `PT${end.diff(now).as('seconds')}S` },
      intervals: [{ id: 0, payloads: [{ type: 'IMPORT_CAPACITY_LIMIT', values: [0.7 * 2 * JOB_KW] }] }],
    });
    await until(
      () => Promise.all(ids.map((id) => getJob(http, id))),
      (all) => all.every((j) => j.pendingAction === undefined && Math.abs((j.run?.powerFraction ?? 1) - 0.7) < 1e-6),
      30_000,
    );

    await page.goto(`${base}/`);
    for (const id of ids) {
      const cap = row(id).locator('.state-cell .cap');
      await cap.waitFor();
      expect(await cap.innerText()).toBe('capped 70%');
      expect(Number(await cap.getAttribute('data-power-fraction'))).toBeCloseTo(0.7, 6);
      expect(await row(id).locator('.state-cell').innerText()).toBe('running capped 70%');
    }

    // The timeline: the planned segments through the event's hours capped, drawn at 70% height, then full power.
    await row(ids[0]).click();
    await page.locator(`#timeline[data-job-id="${ids[0]}"] .bar.planned`).first().waitFor();
    const planned = page.locator('#timeline .planned .bar');
    const capped = page.locator('#timeline .planned .bar.capped');
    expect(await capped.count()).toBe(1);
    expect(await capped.innerText()).toBe('east-edge · capped 70%');
    const title = (await capped.getAttribute('title'))!;
    expect(title).toBe(`east-edge · capped 70%: ${local(START.toISO()!)} – ${local(end.toISO()!)}`);
    const heights = await capped.evaluate((el) => el.getBoundingClientRect().height);
    const full = await page
      .locator('#timeline .planned .bar:not(.capped)')
      .first()
      .evaluate((el) => el.getBoundingClientRect().height);
    expect(heights / full).toBeCloseTo(0.7, 1);
    expect(await planned.count()).toBe(2);
    // The actual run: full power until the cap, 70% since.
    const actual = await page.locator('#timeline .actual .bar').allInnerTexts();
    expect(actual).toEqual(['east-edge', 'east-edge · capped 70%']);
    expect(await page.locator('#timeline h3').innerText()).toBe('flexible-0 — running · capped 70%');

    // The site's chart: the running jobs at 70% in the capped hours, as the plan's grid import has them.
    const o = await overview();
    const site = o.sites.find((s: { id: string }) => s.id === 'east-edge');
    expect(site.aiMw.running[0]).toBeCloseTo(0.7 * 2 * JOB_MW, 3);
    expect(site.aiMw.running[1]).toBeCloseTo(0.7 * 2 * JOB_MW, 3);
    expect(site.aiMw.running[2]).toBeCloseTo(2 * JOB_MW, 3);
    expect(site.aiMw.running[0]).toBeCloseTo(site.gridMw[0], 3);
    expect(site.aiMw.cappedOff.slice(0, 3)).toEqual([
      expect.closeTo(0.3 * 2 * JOB_MW, 3),
      expect.closeTo(0.3 * 2 * JOB_MW, 3),
      0,
    ]);
    const figure = page.locator('#site-east-edge');
    const running = (await figure.getAttribute('data-running-mw'))!.split(' ').map(Number);
    expect(running[0]).toBeCloseTo(0.7 * 2 * JOB_MW, 3);
    expect(Number(await figure.getAttribute('data-capped-off-mwh'))).toBeCloseTo(2 * 0.3 * 2 * JOB_MW, 2);
    expect(await figure.locator('figcaption').innerText()).toMatch(
      /running jobs drawn at their capped power \(8\.\d\d kWh less\)$/,
    );
  }, 90_000);

  it('"Grid events" lists the event in force: its import cap, its hours in the zone, its baseline', async () => {
    await event().waitFor();
    expect(await event().getAttribute('data-event-id')).toBe('west-dr:dr-dash');
    expect(await event().getAttribute('data-status')).toBe('active');
    expect(await page.locator('#grid-events .event-zone[data-zone="west"] h3').innerText()).toBe(`Zone west (${ZONE})`);
    // From when it arrived (a moment past 09:00 in Shanghai) to 11:00, labelled with the zone.
    expect(await event().locator('h4').innerText()).toBe(
      `evening-cut · in force · ${local(START.toISO()!)} – ${local(end.toISO()!)}`,
    );
    expect(await event().locator('.asks').innerText()).toBe(
      `program west-dr · at east-edge · import cap ${kw((0.7 * 2 * JOB_KW) / 1000)}`,
    );
    const hours = event().locator('table.event-hours tbody tr');
    expect(await hours.count()).toBe(2);
    expect(await hours.nth(0).locator('td.hour').innerText()).toBe(local(START.toISO()!));
    expect(await hours.nth(1).locator('td.hour').innerText()).toBe(local(START.plus({ hours: 1 }).toISO()!));
    expect(await hours.nth(0).locator('td.baseline').innerText()).toBe(kw(2 * JOB_MW));
    expect(await hours.nth(1).locator('td.metered').innerText()).toBe('to come');

    // In UTC when the operator picks it, labelled UTC; back to the site's zone after.
    const utcTime = (iso: string) => `${DateTime.fromISO(iso, { zone: 'utc' }).toFormat('yyyy-MM-dd HH:mm')} UTC`;
    await page.click('#time-mode button[data-mode="utc"]');
    await page.locator('body[data-shown-time-mode="utc"]').waitFor();
    expect(await event().locator('h4').innerText()).toBe(
      `evening-cut · in force · ${utcTime(START.toISO()!)} – ${utcTime(end.toISO()!)}`,
    );
    expect(await hours.nth(1).locator('td.hour').innerText()).toBe(utcTime(START.plus({ hours: 1 }).toISO()!));
    await page.click('#time-mode button[data-mode="local"]');
    await page.locator('body[data-shown-time-mode="local"]').waitFor();
  });

  it('an hour on: the first hour complete, its curtailment as GET /v1/events/:id/report has it', async () => {
    offsetMs += HOUR_MS;
    t.app.get(PlanningService).requestReplan('the test moved the clock on an hour');
    await t.app.get(SimulatedSites).tick();
    const done = await until(
      () => report('west-dr:dr-dash'),
      (r) => r.hours[0].elapsed === 1 && r.hours[1].elapsed > 0,
    );
    const [h1] = done.hours;
    // The jobs started moments into the hour at full power, capped to 70% a moment later.
    expect(h1.meteredMw).toBeGreaterThan(0.69 * 2 * JOB_MW);
    expect(h1.meteredMw).toBeLessThan(0.72 * 2 * JOB_MW);
    expect(h1.curtailedMw).toBeGreaterThan(0.28 * 2 * JOB_MW);

    // The overview and the events are shared for a second of real time: past it, they read the clock moved on.
    await until(overview, (o) => Date.parse(o.now) >= START.toMillis() + HOUR_MS);
    const first = event().locator('table.event-hours tbody tr').nth(0);
    await until(
      async () => {
        await page.reload();
        await first.waitFor();
        return first.getAttribute('data-elapsed');
      },
      (elapsed) => elapsed === '1',
    );
    expect(await first.locator('td.baseline').innerText()).toBe(kw(h1.baselineMw));
    expect(await first.locator('td.metered').innerText()).toBe(kw(h1.meteredMw));
    expect(await first.locator('td.curtailed').innerText()).toBe(kw(h1.curtailedMw));
    expect(await event().locator('table.event-hours tbody tr').nth(1).locator('td.curtailed').innerText()).toMatch(
      /kW \(hour under way\)$/,
    );
    const totals = event().locator('p.totals');
    const now = await report('west-dr:dr-dash');
    // The second hour is under way on a clock at wall speed: the sums move by the second.
    expect(Number(await totals.getAttribute('data-baseline-mwh'))).toBeCloseTo(now.totals.baselineMwh, 4);
    expect(Number(await totals.getAttribute('data-curtailed-mwh'))).toBeCloseTo(now.totals.curtailedMwh, 4);
    expect(await totals.getAttribute('data-complete')).toBe('false');
    const line = await totals.innerText();
    console.log(`the dashboard's curtailment line: ${line}`);
    mkdirSync('test/artifacts', { recursive: true });
    await row(ids[0]).click();
    await page.locator('#timeline .planned .bar.capped').waitFor();
    await page.screenshot({ path: 'test/artifacts/dashboard-capping.png', fullPage: true });
    expect(line).toMatch(
      new RegExp(
        '^baseline 1[45]\\.\\d\\d kWh · metered 1[01]\\.\\d\\d kWh · ' +
          'curtailed 4\\.\\d\\d kWh \\(\\d\\d\\.\\d% of the baseline\\) · ' +
          `so far, of ${kwh(2 * 2 * JOB_MW).replace('.', '\\.')} planned over its hours$`,
      ),
    );
  }, 60_000);
});
