import { DateTime } from 'luxon';
import { mkdirSync } from 'node:fs';
import request from 'supertest';
import type { App } from 'supertest/types.js';
import { peakDrawsFromLoad } from '../../src/domain/energy/peak-hours.js';
import { chanceOfMoreThan, LATE_RISK_THRESHOLD } from '../../src/domain/planner/lateness-risk.js';
import { sigmaForMape } from '../../src/domain/signals/measured-forecast-error.js';
import { PEAK_CHANCE_THRESHOLD } from '../../src/domain/signals/site-signals.js';
import { virtualClock } from '../../src/domain/time/clock.js';
import { useOperatorPage } from '../support/browser.js';
import { getJob, submit, testConfigWith, until } from '../support/execution.js';
import { OPERATOR, useTestApp } from '../support/test-app.js';

// Zone `de` (Europe/Berlin) judges peaks by its load forecast alone, with a 6% error at every lead. Its forecast,
// issued now (06:00 local, Monday), has 30 GW all day, 50 GW at 18:00 and 38.5 GW from 06:00 to 12:00: 77% of the
// day's maximum, below the 90% line, so those hours are off-peak with a small chance (under PEAK_CHANCE_THRESHOLD, 5%)
// of turning out peaks.
// No wind: every hour costs the same grid energy. The service clock stands still.
const ZONE = 'Europe/Berlin';
const NOW = DateTime.fromISO('2026-03-02T06:00', { zone: ZONE }).toUTC();
const clock = virtualClock(NOW, 1, () => 0);
const loadGw = (at: DateTime) => {
  const hour = at.setZone(ZONE).hour;
  return hour === 18 ? 50 : hour >= 6 && hour < 12 ? 38.5 : 30;
};

function forecastCsv(): string {
  const rows = ['start,windMw,solarMw,loadMw'];
  for (let h = 0; h < 48; h++)
    rows.push(`${NOW.plus({ hours: h }).toISO()},0,0,${loadGw(NOW.plus({ hours: h })) * 1000}`);
  return rows.join('\n');
}

const configPath = testConfigWith((config) => {
  const de = config.zones.find((z: { id: string }) => z.id === 'de');
  de.peak = { loadWithin: 0.1 };
  de.loadForecastError = 0.06;
});
const ctx = useTestApp({ clock, configPath, roles: 'api,planner' });

interface PlannedJob {
  id: string;
  plan: {
    version: number;
    segments: { site: string; start: string; end: string }[];
    expectedFinish: string;
    meetsDeadline: boolean;
    lateRisk: number | null;
  };
}

/** Each de-hub hour's peak chance and flag as GET signals gives them, by the hour's start (epoch ms). */
async function deHubHours(http: App): Promise<Map<number, { peak: boolean; peakChance: number }>> {
  const body = (await request(http).get('/v1/zones/de/signals').set(OPERATOR).expect(200)).body;
  const site = body.sites.find((s: { id: string }) => s.id === 'de-hub');
  return new Map(site.hours.map((h: { start: string; peak: boolean; peakChance: number }) => [Date.parse(h.start), h]));
}

/** The chances of the job's planned hours, as GET signals gives them. */
function plannedChances(job: PlannedJob, hours: Map<number, { peak: boolean; peakChance: number }>): number[] {
  const chances: number[] = [];
  for (const s of job.plan.segments)
    for (let at = Date.parse(s.start); at < Date.parse(s.end); at += 3_600_000) {
      const hour = hours.get(at)!;
      expect(hour.peak).toBe(false); // planned as off-peak: a peak there would surprise the plan
      chances.push(hour.peakChance);
    }
  return chances;
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

/**
 * Monday's peaks at de as the service draws them (`peakDrawsFromLoad`, seeded by the local day): no load held before
 * NOW (the forecast starts there), a 6% error from NOW on. Each hour's start (epoch ms) → its flag in each draw.
 */
function mondayDraws(): (hourMs: number) => number[] {
  const dayStart = NOW.setZone(ZONE).startOf('day').toUTC();
  const at = (k: number) => dayStart.plus({ hours: k });
  const load = Array.from({ length: 24 }, (_, k) => (at(k) < NOW ? 0 : loadGw(at(k)) * 1000));
  const sigma = load.map((_, k) => (at(k) < NOW ? 0 : sigmaForMape(0.06)));
  const { draws } = peakDrawsFromLoad(dayStart, load, sigma, ZONE, 0.1);
  return (hourMs) => draws.map((drawn) => drawn[(hourMs - dayStart.toMillis()) / 3_600_000]);
}

/**
 * The job's late risk counted over the draws: the share in which more of its planned hours are peaks than `room`.
 * Its hours' chances as GET signals gives them must be the draws' shares (else the test draws other peaks).
 */
function jointRisk(job: PlannedJob, chances: number[], room: number): number {
  const flags = mondayDraws();
  const hours: number[][] = [];
  for (const s of job.plan.segments)
    for (let at = Date.parse(s.start); at < Date.parse(s.end); at += 3_600_000) hours.push(flags(at));
  hours.forEach((drawn, i) => expect(round3(drawn.filter((f) => f === 1).length / drawn.length)).toBe(chances[i]));
  const draws = hours[0].length;
  let late = 0;
  for (let d = 0; d < draws; d++) if (hours.filter((drawn) => drawn[d] === 1).length > room) late++;
  return late / draws;
}

describe('lateRisk: hours planned as off-peak may turn out peaks', () => {
  const jobs: Record<'tight' | 'firm' | 'roomy', PlannedJob> = {} as never;

  beforeAll(async () => {
    await request(ctx.http)
      .post('/v1/zones/de/forecasts.csv')
      .query({ issuedAt: NOW.toISO() })
      .set(OPERATOR)
      .set('content-type', 'text/csv')
      .send(forecastCsv())
      .expect(200);
    const deadline = NOW.plus({ hours: 6 }).toISO();
    const ids = {
      // 6 h due in 6 h: no room for an hour that turns peak.
      tight: await submit(ctx.http, { name: 'tight', runtimeHours: 6, deadline, deferrable: true, sites: ['de-hub'] }),
      // The same, but it runs through peaks.
      firm: await submit(ctx.http, { name: 'firm', runtimeHours: 6, deadline, deferrable: false, sites: ['de-hub'] }),
      // 5 h due in 6 h: an hour of room.
      roomy: await submit(ctx.http, { name: 'roomy', runtimeHours: 5, deadline, deferrable: true, sites: ['de-hub'] }),
    };
    // One plan holding all three (each later plan holds the same hours: nothing else changes).
    await until(
      async () => Promise.all(Object.values(ids).map((id) => getJob(ctx.http, id) as Promise<PlannedJob>)),
      (all) => all.every((j) => j.plan !== null && j.plan.version === all[0].plan?.version),
    );
    for (const [name, id] of Object.entries(ids)) jobs[name as keyof typeof jobs] = await getJob(ctx.http, id);
  });

  it('GET /v1/jobs/:id gives a deferrable job with no room the chance any of its hours turns peak', async () => {
    const { tight } = jobs;
    expect(tight.plan.meetsDeadline).toBe(true);
    expect(tight.plan.expectedFinish).toBe(NOW.plus({ hours: 6 }).toUTC().toISO());
    const chances = plannedChances(tight, await deHubHours(ctx.http));
    expect(chances).toHaveLength(6);
    for (const p of chances) {
      expect(p).toBeGreaterThan(0);
      expect(p).toBeLessThan(PEAK_CHANCE_THRESHOLD);
    }
    // Counted over the joint draws: the hours turn peak together, so no peak at all is likelier than independent
    // hours' chances make it (0.06 against 0.178 on this forecast).
    expect(tight.plan.lateRisk).toBe(round3(jointRisk(tight, chances, 0)));
    expect(tight.plan.lateRisk).toBeLessThan(chanceOfMoreThan(chances, 0));
    expect(tight.plan.lateRisk).toBeGreaterThanOrEqual(Math.max(...chances));
    expect(tight.plan.lateRisk).toBeGreaterThanOrEqual(LATE_RISK_THRESHOLD);
  });

  it('a non-deferrable job in the same hours runs through peaks: 0', () => {
    expect(jobs.firm.plan.segments).toEqual(jobs.tight.plan.segments);
    expect(jobs.firm.plan.lateRisk).toBe(0);
  });

  it('with an hour of room it is late only when two hours turn peak', async () => {
    const { roomy } = jobs;
    const finish = Date.parse(roomy.plan.expectedFinish);
    expect(NOW.plus({ hours: 6 }).toMillis() - finish).toBe(3_600_000);
    const p = plannedChances(roomy, await deHubHours(ctx.http));
    expect(p).toHaveLength(5);
    expect(roomy.plan.lateRisk).toBe(round3(jointRisk(roomy, p, 1)));
    // Two peaks together are likelier than independent hours make them (0.035 against 0.011 on this forecast).
    expect(roomy.plan.lateRisk).toBeGreaterThan(chanceOfMoreThan(p, 1));
    expect(roomy.plan.lateRisk).toBeLessThan(jobs.tight.plan.lateRisk!);
  });

  it('/docs describes it; /metrics counts the jobs at 5% or more', async () => {
    const schemas = (await request(ctx.http).get('/docs/json').expect(200)).body.components.schemas;
    expect(schemas.PlannedJobDto.properties.lateRisk).toMatchObject({ type: 'number', nullable: true });
    expect(schemas.PlannedJobDto.required).toContain('lateRisk');
    const metrics = (await request(ctx.http).get('/metrics').set(OPERATOR).expect(200)).text;
    expect(metrics).toMatch(/^westwind_late_risk_jobs\{at_least="0.05"\} 1$/m);
    expect(metrics).toMatch(/^westwind_deadline_risk_jobs 0$/m);
  });

  describe('the dashboard in a real browser', () => {
    const dashboard = useOperatorPage(() => ctx.t.app);

    it('shows "late risk" under the deadline of a job at risk, and counts it on the deadline-risk card', async () => {
      const { page, consoleErrors } = dashboard;
      await page.goto(dashboard.url);
      const row = (name: keyof typeof jobs) => page.locator(`#jobs tbody tr[data-job-id="${jobs[name].id}"]`);
      await row('tight').waitFor();
      const risk = row('tight').locator('td.deadline .late-risk');
      expect(await risk.textContent()).toBe(`late risk ${Math.round(jobs.tight.plan.lateRisk! * 100)}%`);
      expect(await risk.getAttribute('class')).toBe('late-risk late'); // at the 5% threshold or over
      expect(await risk.isVisible()).toBe(true);
      const roomy = row('roomy').locator('td.deadline .late-risk');
      expect(await roomy.textContent()).toMatch(/^late risk (<1|\d+)%$/);
      expect(await roomy.getAttribute('class')).toBe('late-risk');
      // No risk, nothing said.
      expect(await row('firm').locator('td.deadline .late-risk').count()).toBe(0);
      expect(await page.locator('#deadline-risk').textContent()).toBe('0');
      expect(await page.locator('#late-risk-note').textContent()).toBe('1 at ≥ 5% late risk (late ones included)');
      // The job's timeline says it too.
      await row('tight').click();
      const heading = page.locator(`#timeline[data-job-id="${jobs.tight.id}"] h3`);
      await heading.waitFor();
      expect(await heading.locator('.late-risk').textContent()).toBe(await risk.textContent());
      mkdirSync('test/artifacts', { recursive: true });
      await page.screenshot({ path: 'test/artifacts/dashboard-late-risk.png', fullPage: true });
      expect(consoleErrors).toEqual([]);
    }, 60_000);
  });
});
