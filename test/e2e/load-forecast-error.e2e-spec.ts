import { DateTime } from 'luxon';
import { mkdirSync } from 'node:fs';
import request from 'supertest';
import type { App } from 'supertest/types.js';
import { PEAK_CHANCE_THRESHOLD } from '../../src/domain/signals/site-signals.js';
import { virtualClock } from '../../src/domain/time/clock.js';
import { useOperatorPage } from '../support/browser.js';
import { getJob, submit, testConfigWith, until } from '../support/execution.js';
import { ALPHA, OPERATOR, useTestApp } from '../support/test-app.js';

// Zone `de` (Europe/Berlin) judges peaks by its load forecast alone (`peak: { loadWithin: 0.1 }`). Its forecast,
// issued now (06:00 local, Monday), has 30 GW all day but 50 GW at 18:00 and 44 GW at 13:00: 88% of the day's
// maximum, just below the 90% line. Wind blows only at 13:00, enough for de-hub to run on green supply then, so a
// deferrable job would run at 13:00 if it were not a peak. The service clock stands still.
const ZONE = 'Europe/Berlin';
const NOW = DateTime.fromISO('2026-03-02T06:00', { zone: ZONE }).toUTC();
const clock = virtualClock(NOW, 1, () => 0);
const local = (hour: number) => NOW.setZone(ZONE).set({ hour });
const AT_13 = local(13).toUTC();
const loadGw = (at: DateTime) => ({ 18: 50, 13: 44 })[at.setZone(ZONE).hour] ?? 30;

function forecastCsv(): string {
  const rows = ['start,windMw,solarMw,loadMw'];
  for (let h = 0; h < 48; h++) {
    const at = NOW.plus({ hours: h });
    const wind = at.equals(AT_13) ? 45_000 : 0; // 1 GW beyond the load: de-hub's 0.1 MW all green
    rows.push(`${at.toISO()},${wind},0,${loadGw(at) * 1000}`);
  }
  return rows.join('\n');
}

interface SignalsHour {
  start: string;
  local: string;
  peak: boolean;
  peakChance: number | null;
}

/** The app with zone `de` peaking on its load forecast alone, with the given loadForecastError; the forecast stored. */
function useAppWith(loadForecastError: number): ReturnType<typeof useTestApp> {
  const configPath = testConfigWith((config) => {
    const de = config.zones.find((z: { id: string }) => z.id === 'de');
    de.peak = { loadWithin: 0.1 };
    de.loadForecastError = loadForecastError;
  });
  const ctx = useTestApp({ clock, configPath, roles: 'api,planner' });
  beforeAll(async () => {
    await request(ctx.http)
      .post('/v1/zones/de/forecasts.csv')
      .query({ issuedAt: NOW.toISO() })
      .set(OPERATOR)
      .set('content-type', 'text/csv')
      .send(forecastCsv())
      .expect(200);
  });
  return ctx;
}

async function signals(http: App): Promise<{ zone: SignalsHour[]; site: SignalsHour[] }> {
  const body = (await request(http).get('/v1/zones/de/signals').set(OPERATOR).expect(200)).body;
  return { zone: body.hours, site: body.sites.find((s: { id: string }) => s.id === 'de-hub').hours };
}
const hourAt = (hours: SignalsHour[], at: DateTime) => hours.find((h) => h.start === at.toISO())!;

/** A deferrable one-hour job that must run at de-hub within 20 hours; its planned segments once placed. */
async function plannedSegments(http: App): Promise<{ start: string; end: string }[]> {
  const id = await submit(http, {
    name: 'near-peak',
    runtimeHours: 1,
    deadline: NOW.plus({ hours: 20 }).toISO(),
    deferrable: true,
    sites: ['de-hub'],
  });
  const job = await until(
    () => getJob(http, id),
    (j) => j.plan !== null && j.plan.segments.length > 0,
  );
  return job.plan.segments;
}
const overlaps13 = (segments: { start: string; end: string }[]) =>
  segments.some(
    (s) => Date.parse(s.start) < AT_13.plus({ hours: 1 }).toMillis() && Date.parse(s.end) > AT_13.toMillis(),
  );

describe('loadForecastError: 0.05, an hour within reach of the peak line is a peak', () => {
  const ctx = useAppWith(0.05);

  it('GET /v1/zones shows the configured load error beside the green one', async () => {
    const zones = (await request(ctx.http).get('/v1/zones').set(ALPHA).expect(200)).body;
    const de = zones.find((z: { id: string }) => z.id === 'de');
    expect(de.loadForecastError.buckets.map((b: { lead: string; relativeError: number; source: string }) => b)).toEqual(
      ['0-6h', '6-24h', '24-48h', '48-72h', '72h+'].map((lead) =>
        expect.objectContaining({ lead, relativeError: 0.05, source: 'configured' }),
      ),
    );
    expect(de.forecastError.buckets[0].source).toBe('default');
    const west = zones.find((z: { id: string }) => z.id === 'west');
    expect(west.loadForecastError.buckets.map((b: { relativeError: number }) => b.relativeError)).toEqual([
      0.015, 0.03, 0.04, 0.05, 0.08,
    ]);
    expect(west.loadForecastError.buckets.every((b: { source: string }) => b.source === 'default')).toBe(true);
    const metrics = (await request(ctx.http).get('/metrics').set(OPERATOR).expect(200)).text;
    expect(metrics).toMatch(/^westwind_load_forecast_error_ratio\{zone="de",lead="6-24h",source="configured"\} 0.05$/m);
    expect(metrics).toMatch(/^westwind_load_forecast_error_ratio\{zone="west",lead="0-6h",source="default"\} 0.015$/m);
  });

  it('13:00 is a peak in GET signals, with its chance; the day maximum is surely one, 06:00 surely not', async () => {
    const { zone, site } = await signals(ctx.http);
    const at13 = hourAt(zone, AT_13);
    expect(at13).toMatchObject({ local: '2026-03-02T13:00+01:00', peak: true });
    expect(at13.peakChance).toBeGreaterThanOrEqual(PEAK_CHANCE_THRESHOLD);
    expect(at13.peakChance).toBeLessThan(0.5); // the forecast alone says no
    expect(hourAt(site, AT_13)).toMatchObject({ peak: true, peakChance: at13.peakChance });
    expect(hourAt(zone, local(18).toUTC()).peakChance).toBeGreaterThan(0.5);
    expect(hourAt(zone, local(18).toUTC()).peak).toBe(true);
    expect(hourAt(zone, NOW)).toMatchObject({ peak: false, peakChance: 0 });
    // Zone `west` has no load-derived peaks: its peaks are certain.
    const west = (await request(ctx.http).get('/v1/zones/west/signals').set(OPERATOR).expect(200)).body;
    expect(west.hours.every((h: SignalsHour) => h.peakChance === null)).toBe(true);
    // Described in /docs.
    const schemas = (await request(ctx.http).get('/docs/json').expect(200)).body.components.schemas;
    for (const dto of ['ZoneHourDto', 'SiteHourDto'])
      expect(schemas[dto].properties.peakChance).toMatchObject({ type: 'number', nullable: true });
    expect(JSON.stringify(schemas.ZoneDto.properties.loadForecastError)).toContain('ZoneForecastErrorDto');
  });

  it("a deferrable job's plan stays out of 13:00, its only green hour", async () => {
    const segments = await plannedSegments(ctx.http);
    expect(overlaps13(segments)).toBe(false);
  });

  describe('the dashboard in a real browser', () => {
    const dashboard = useOperatorPage(() => ctx.t.app);

    it('draws 13:00 as a possible peak: lighter shading, its key entry, its chance where pointed at', async () => {
      const { page, consoleErrors } = dashboard;
      await page.goto(dashboard.url);
      const figure = page.locator('#site-de-hub');
      // The chart starts at the plan's first hour, now (06:00): 13:00 is hour 7, 18:00 hour 12. The page draws
      // again as plans land, and may first show fewer hours than the forecast's 48: read the chart once it shows
      // them all, its hours and its key from one drawing.
      const drawn = await until(
        () =>
          figure.evaluate((fig) => ({
            forecastHours: Number(fig.dataset.forecastHours),
            shown: Number(fig.dataset.shownHours),
            possible: fig.dataset.possiblePeakHours ?? '',
            key: fig.querySelector('.peak-key .possible-peak')?.textContent ?? null,
          })),
        (d) => d.forecastHours === 48 && d.shown >= 48 && d.possible !== '',
      );
      // 13:00 today and tomorrow: 44 GW, 88% of the day's maximum.
      const hours = drawn.possible.split(' ').map(Number);
      expect(hours).toEqual([7, 31]);
      for (const h of hours) expect(NOW.plus({ hours: h }).setZone(ZONE).hour).toBe(13);
      expect(drawn.key).toBe(`possible peak (${hours.length} h)`);
      const key = figure.locator('.peak-key .possible-peak');
      expect(await key.isVisible()).toBe(true);
      expect(await key.getAttribute('title')).toMatch(/5% chance/);
      // The zone's load forecast error beside the green one.
      const loadBucket = page.locator('#zone-de .load-forecast-error .bucket[data-lead="6-24h"]');
      expect(await loadBucket.textContent()).toBe('6–24 h 5.0%');
      expect(await loadBucket.getAttribute('data-source')).toBe('configured');
      // West's peaks are certain: no such hours, no such entry.
      expect(await page.locator('#site-west-hub').getAttribute('data-possible-peak-hours')).toBe('');
      expect(await page.locator('#site-west-hub .peak-key .possible-peak').count()).toBe(0);

      // The shading as drawn: on the plot's transparent canvas, a peak's red at 0.16 opacity, a possible peak's
      // at 0.07, nothing at 09:00 (hour 3). Read where no grid line or series crosses (no alpha at 09:00).
      const alpha = await figure.evaluate(
        (fig, { columns, shown }) => {
          const over = fig.querySelector('.u-over')!.getBoundingClientRect();
          const canvas = fig.querySelector('canvas')!;
          const rect = canvas.getBoundingClientRect();
          const scale = canvas.width / rect.width;
          const context = canvas.getContext('2d')!;
          const at = (h: number, y: number) => {
            const x = over.left + ((h + 0.5) / shown) * over.width;
            const pixel = context.getImageData((x - rect.left) * scale, (y - rect.top) * scale, 1, 1).data;
            return pixel[3];
          };
          const rows: number[][] = [];
          for (let f = 0.3; f <= 0.7; f += 0.02) rows.push(columns.map((h) => at(h, over.top + f * over.height)));
          return rows;
        },
        { columns: [7, 12, 3], shown: drawn.shown },
      );
      const clear = alpha.filter(([, , none]) => none === 0);
      expect(clear.length).toBeGreaterThan(0);
      for (const [possiblePeak, peak] of clear) {
        expect(possiblePeak).toBeGreaterThan(0);
        expect(possiblePeak).toBeLessThan(peak);
      }

      // Pointing at 13:00 says what it is, in the site's zone, with its chance as GET signals gives it.
      const chance = hourAt((await signals(ctx.http)).site, AT_13).peakChance!;
      const over = (await figure.locator('.u-over').boundingBox())!;
      await page.mouse.move(over.x + ((7 + 0.5) / drawn.shown) * over.width, over.y + over.height / 2);
      const tip = figure.locator('.peak-tip');
      await tip.waitFor();
      expect(await tip.textContent()).toBe(
        `2026-03-02 13:00–14:00 Europe/Berlin · possible peak: ${Math.round(chance * 100)}% chance that the load ` +
          'makes it one (load forecast error)',
      );
      await page.mouse.move(over.x + ((3 + 0.5) / drawn.shown) * over.width, over.y + over.height / 2);
      await tip.waitFor({ state: 'hidden' });
      mkdirSync('test/artifacts', { recursive: true });
      await page.screenshot({ path: 'test/artifacts/dashboard-possible-peak.png', fullPage: true });
      expect(consoleErrors).toEqual([]);
    }, 60_000);
  });
});

describe('loadForecastError: 0, the forecast is taken as it is', () => {
  const ctx = useAppWith(0);

  it('13:00 is no peak (chance 0), and a deferrable job runs then, on the wind', async () => {
    const { zone, site } = await signals(ctx.http);
    expect(hourAt(zone, AT_13)).toMatchObject({ peak: false, peakChance: 0 });
    expect(hourAt(site, AT_13)).toMatchObject({ peak: false, peakChance: 0 });
    expect(hourAt(zone, local(18).toUTC())).toMatchObject({ peak: true, peakChance: 1 });
    const segments = await plannedSegments(ctx.http);
    expect(segments).toEqual([
      expect.objectContaining({ start: AT_13.toISO(), end: AT_13.plus({ hours: 1 }).toISO() }),
    ]);
  });
});
