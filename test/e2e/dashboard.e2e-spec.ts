import { DateTime } from 'luxon';
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import { virtualClock } from '../../src/domain/time/clock.js';
import { MetricsService } from '../../src/metrics/metrics.service.js';
import { launchChromium, operatorPage } from '../support/browser.js';
import { getJob, postWestForecast, submit, until } from '../support/execution.js';
import { signedHeaders } from '../support/signed-webhook.js';
import { ALPHA, OPERATOR, startTestApp, type TestApp } from '../support/test-app.js';

const VIEWER = { user: 'watcher', key: 'watcher-key-0000000001' };
const utc = (iso: string) => DateTime.fromISO(iso, { zone: 'utc' });

// 14:00 in Shanghai, before the 17:00–22:00 peak; a simulated minute per real second.
const clock = virtualClock(utc('2026-03-02T06:00:00Z'), 60);
let t: TestApp;
let base: string;

beforeAll(async () => {
  t = await startTestApp({ clock, roles: 'api,planner,dispatch' });
  await t.app.listen(0, '127.0.0.1');
  base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
  const now = clock.now();
  await postWestForecast(t.app.getHttpServer(), now.startOf('hour'), 48, () => 3000, now);
});
afterAll(() => t.close());

describe('operator pages refuse anyone else', () => {
  it.each(['/', '/queues', '/queues/api/queues', '/metrics', '/dashboard/api/overview', '/dashboard/events'])(
    '%s without credentials is 401 with a Basic challenge',
    async (path) => {
      const res = await request(base).get(path).expect(401);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.headers['www-authenticate']).toMatch(/^Basic realm="Westwind operators"/);
      expect(res.body.type).toBe('urn:westwind:problem:unauthenticated');
    },
  );

  it.each(['/', '/queues', '/metrics'])('%s with a tenant key, or a wrong password, is refused', async (path) => {
    await request(base).get(path).set(ALPHA).expect(403);
    await request(base).get(path).auth('ops', 'not-the-key-000000000').expect(401);
    await request(base).get(path).auth('watcher', 'ops-key-000000000001').expect(401);
  });

  it('a viewer operator may not upload forecasts', async () => {
    const res = await request(base)
      .post('/v1/zones/west/forecasts.csv')
      .set({ authorization: `Bearer ${VIEWER.key}`, 'content-type': 'text/csv' })
      .send('start,windMw,solarMw,loadMw\n')
      .expect(403);
    expect(res.body.detail).toMatch(/viewer/);
  });
});

describe('the dashboard API refuses bad input', () => {
  it.each([
    ['/dashboard/api/jobs?limit=9999', 400],
    ['/dashboard/api/jobs?state=sleeping', 400],
    ['/dashboard/api/jobs?tenant=Not%20A%20Tenant', 400],
    ['/dashboard/api/jobs?colour=red', 400],
    ['/dashboard/api/jobs/not-a-job-id', 404],
    ['/dashboard/api/jobs/019cad24-c534-7000-8000-000000000000', 404],
    ['/dashboard/assets/..%2F..%2Fpackage.json', 404],
    ['/dashboard/assets/secrets.js', 404],
  ])('%s → %i problem+json', async (path, status) => {
    const res = await request(base).get(path).set(OPERATOR).expect(status);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  });
});

describe('bull-board at /queues', () => {
  const queues = async (auth: { user: string; key: string }) =>
    (await request(base).get('/queues/api/queues').auth(auth.user, auth.key).expect(200)).body.queues as {
      name: string;
      readOnlyMode: boolean;
      isPaused: boolean;
    }[];

  it('shows the service’s queues and every site dispatch queue; read-only for a viewer', async () => {
    const admin = await queues({ user: 'ops', key: 'ops-key-000000000001' });
    expect(admin.map((q) => q.name).sort()).toEqual([
      'dispatch-de-hub',
      'dispatch-east-edge',
      'dispatch-west-hub',
      'forecast-pull',
      'plan-follow',
      'planning',
      'vtn-reports',
    ]);
    expect(admin.every((q) => !q.readOnlyMode)).toBe(true);
    expect((await queues(VIEWER)).every((q) => q.readOnlyMode)).toBe(true);
  });

  it('lets an admin pause a queue from the board, refuses a viewer and a cross-site request', async () => {
    const pause = '/queues/api/queues/dispatch-de-hub/pause';
    expect((await request(base).put(pause).auth(VIEWER.user, VIEWER.key)).status).toBeGreaterThanOrEqual(400);
    await request(base).put(pause).set(OPERATOR).set('origin', 'https://evil.example').expect(403);
    const find = async () => (await queues(VIEWER)).find((q) => q.name === 'dispatch-de-hub')!.isPaused;
    expect(await find()).toBe(false);
    await request(base).put(pause).set(OPERATOR).set('origin', base).expect(200);
    expect(await find()).toBe(true);
    await request(base).put('/queues/api/queues/dispatch-de-hub/resume').set(OPERATOR).expect(200);
    expect(await find()).toBe(false);
  });
});

describe('GET /metrics', () => {
  it('exports jobs by state, queue depths, re-plan durations, energy and webhook outcomes', async () => {
    const id = await submit(t.app.getHttpServer(), {
      name: 'metrics-probe',
      runtimeHours: 1,
      deadline: clock.now().plus({ days: 2 }).toISO(),
      deferrable: true,
    });
    await until(
      () => getJob(t.app.getHttpServer(), id),
      (job) => job.state !== 'queued',
    );
    const forged = JSON.stringify({ zone: 'west', issuedAt: clock.now().toISO(), resolution: 'PT1H', points: [] });
    await request(base)
      .post('/v1/webhooks/forecasts')
      .set(signedHeaders('whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', forged))
      .send(forged)
      .expect(401);
    const placed = (body: string) =>
      [...body.matchAll(/^westwind_jobs\{state="(?:scheduled|running)"\} (\d+)/gm)].reduce(
        (n, m) => n + Number(m[1]),
        0,
      );
    // Shared figures are cached for a second: wait until they include the job, a re-plan and the fifo baseline.
    const text = await until(
      async () => (await request(base).get('/metrics').auth(VIEWER.user, VIEWER.key).expect(200)).text,
      (body) =>
        /westwind_replan_duration_seconds_count [1-9]/.test(body) &&
        placed(body) >= 1 &&
        body.includes('period="fifo"'),
      10_000,
    );
    const value = (pattern: RegExp) => Number(pattern.exec(text)?.[1]);
    expect(value(/^bullmq_job_count\{queue="planning", state="completed"\} (\d+)/m)).toBeGreaterThanOrEqual(1);
    expect(text.match(/^# TYPE bullmq_job_count gauge$/gm)).toHaveLength(1);
    expect(text).toMatch(/^bullmq_job_count\{queue="dispatch-west-hub", state="waiting"\} \d+/m);
    expect(
      value(
        /^westwind_webhook_requests_total\{endpoint="forecast-webhook",outcome="accepted",reason="accepted"\} (\d+)/m,
      ),
    ).toBe(1);
    expect(text).toMatch(
      new RegExp(
        '^westwind_webhook_requests_total\\{endpoint="forecast-webhook",outcome="refused",' +
          'reason="webhook-unauthenticated"\\} 1$',
        'm',
      ),
    );
    expect(value(/^westwind_energy_mwh\{period="planned",source="green"\} ([\d.]+)/m)).toBeGreaterThan(0);
    expect(text).toMatch(/^westwind_energy_mwh\{period="fifo",source="grid"\} [\d.]+/m);
    expect(text).toMatch(/^westwind_process_resident_memory_bytes \d+/m);
  });
});

describe('METRICS_PORT', () => {
  it('serves /metrics without credentials on its own port, and nothing else there', async () => {
    // 0: the kernel chooses a free port, and the service tells which.
    const other = await startTestApp({ env: { METRICS_PORT: '0' } });
    try {
      const port = other.app.get(MetricsService).port;
      expect(port).toBeGreaterThan(0);
      const res = await request(`http://127.0.0.1:${port}`).get('/metrics').expect(200);
      expect(res.text).toMatch(/^westwind_jobs\{state="queued"\} 0$/m);
      await request(`http://127.0.0.1:${port}`).get('/').expect(404);
      await request(other.app.getHttpServer()).get('/metrics').expect(401);
    } finally {
      await other.close();
    }
  });
});

describe('the dashboard in a real browser', () => {
  let browser: Browser;
  let page: Page;
  let consoleErrors: string[];

  beforeAll(async () => {
    browser = await launchChromium();
    ({ page, consoleErrors } = await operatorPage(browser));
  });
  afterAll(() => browser?.close());

  const rowState = (id: string) => page.locator(`#jobs tr[data-job-id="${id}"]`).getAttribute('data-state');

  it('shows a submitted job, charts with data, and follows the job live until cancelled', async () => {
    await page.goto(`${base}/`);
    await page.locator('#live.on').waitFor();
    // One hour of work fits before the 09:00 UTC peak: it runs at once (a longer job, rather than
    // pause through the peak, waits for the green after it in one block).
    const id = await submit(t.app.getHttpServer(), {
      name: 'browser-probe',
      gpus: 64,
      runtimeHours: 1,
      deadline: clock.now().plus({ days: 1 }).toISO(),
      deferrable: true,
    });

    // It appears without a reload, and runs once dispatched (the simulated site starts it).
    await page.locator(`#jobs tr[data-job-id="${id}"]`).waitFor();
    await until(
      () => rowState(id),
      (state) => state === 'running',
      20_000,
    );

    const chart = page.locator('#site-west-hub');
    expect(await chart.locator('canvas').count()).toBeGreaterThan(0);
    expect(Number(await chart.getAttribute('data-ai-mwh'))).toBeGreaterThan(0);
    expect(Number(await chart.getAttribute('data-green-mwh'))).toBeGreaterThan(0);
    expect(Number(await chart.getAttribute('data-hours'))).toBe(168);
    // The chart spans the 48 forecast hours, not the whole week of the plan.
    expect(Number(await chart.getAttribute('data-forecast-hours'))).toBe(48);
    expect(Number(await chart.getAttribute('data-shown-hours'))).toBe(48);
    expect(await page.locator('#green-share').textContent()).toMatch(/%$/);

    // The timeline: planned segments, and the actual one since it started.
    await page.locator(`#jobs tr[data-job-id="${id}"]`).click();
    await page.locator('#timeline .planned .bar').first().waitFor();
    await page.locator('#timeline .actual .bar').first().waitFor();
    mkdirSync('test/artifacts', { recursive: true });
    await page.screenshot({ path: 'test/artifacts/dashboard.png', fullPage: true });

    await request(t.app.getHttpServer()).delete(`/v1/jobs/${id}`).set(ALPHA).expect(200);
    await until(
      () => rowState(id),
      (state) => state === 'cancelled',
      10_000,
    );

    // Filters: by state, by tenant.
    await page.selectOption('#filters select[name=state]', 'cancelled');
    await until(
      () => page.locator('#jobs tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-state'))),
      (states) => states.length > 0 && states.every((s) => s === 'cancelled'),
    );
    await page.selectOption('#filters select[name=tenant]', 'beta');
    await until(
      () => page.locator('#jobs tbody tr').count(),
      (n) => n === 0,
    );
    expect(consoleErrors).toEqual([]);
  }, 60_000);

  it('labels every time with its zone: site-local by default, all UTC at the toggle', async () => {
    // Deferred to tomorrow: the planner's reason reads "starts 10:00 Asia/Shanghai at …", and the
    // page dates that time from the job's next action: "starts 2026-03-03 10:00 Asia/Shanghai at …".
    const deadline = clock.now().plus({ days: 1, hours: 12 }).startOf('minute');
    const earliestStart = clock.now().plus({ hours: 20 }).toISO();
    const job = { name: 'zone-probe', runtimeHours: 1, earliestStart, deadline: deadline.toISO(), deferrable: true };
    const id = await submit(t.app.getHttpServer(), job);
    await page.goto(`${base}/`);
    const row = page.locator(`#jobs tr[data-job-id="${id}"]`);
    const cellText = async (selector: string) => ((await row.locator(selector).textContent()) ?? '').trim();
    /** Waits until the row's reason names the planned start, dated, in `zone` (the site's, if not given). */
    const placed = (zone?: string) =>
      until(
        async () => ({
          site: await cellText('td.site'),
          start: await plannedStart(id),
          reason: await cellText('td.reason'),
        }),
        ({ site, start, reason }) => {
          const shown = zone ?? ZONES[site];
          const named = `starts ${start?.setZone(shown).toFormat('yyyy-MM-dd HH:mm')} ${shown} at `;
          return start !== undefined && shown !== undefined && reason.startsWith(named);
        },
        20_000,
      );

    // Site-local: the row's times in its site's zone, named; the plan's start in the reason likewise.
    const zone = ZONES[(await placed()).site];
    expect(await cellText('td.deadline')).toBe(`${deadline.setZone(zone).toFormat('yyyy-MM-dd HH:mm')} ${zone}`);
    // The header: the service's time in both zones of the sites, one instant.
    const clockText = (await page.locator('#clock').textContent()) ?? '';
    const header = /^service time (\S+ \S+) Asia\/Shanghai · (\S+ \S+) Europe\/Berlin$/.exec(clockText);
    expect(header).not.toBeNull();
    const shanghai = DateTime.fromFormat(header![1], 'yyyy-MM-dd HH:mm', { zone: 'Asia/Shanghai' });
    const berlin = DateTime.fromFormat(header![2], 'yyyy-MM-dd HH:mm', { zone: 'Europe/Berlin' });
    expect(berlin.toMillis()).toBe(shanghai.toMillis());
    expect(shanghai >= utc('2026-03-02T06:00:00Z') && shanghai <= clock.now()).toBe(true);
    // The chart's legend shows the hour under the cursor, in the site's zone, and the values there.
    const legend = await hoverChart('west-hub');
    expect(legend[0]).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:00 Asia\/Shanghai$/);
    expect(legend[1]).toMatch(/^\d+\.\d+ MW$/);

    // UTC: the same instants, every one labelled UTC, and no site zone left in the table.
    await page.locator('#time-mode button[data-mode="utc"]').click();
    const deadlineUtc = `${deadline.toUTC().toFormat('yyyy-MM-dd HH:mm')} UTC`;
    await until(
      () => cellText('td.deadline'),
      (text) => text === deadlineUtc,
    );
    expect(await page.locator('#clock').textContent()).toMatch(/^service time \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC$/);
    await placed('UTC');
    expect(await page.locator('#jobs tbody').textContent()).not.toMatch(/Asia\/Shanghai|Europe\/Berlin/);
    expect((await hoverChart('west-hub'))[0]).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:00 UTC$/);

    // The choice outlives a reload; back to site time.
    await page.reload();
    await until(
      () => cellText('td.deadline'),
      (text) => text.endsWith(' UTC'),
    );
    await page.locator('#time-mode button[data-mode="local"]').click();
    await until(
      () => cellText('td.deadline'),
      (text) => text.endsWith(` ${zone}`),
    );
    expect(consoleErrors).toEqual([]);
  }, 60_000);

  /** The zone of each site in test/fixtures/westwind.test.yaml. */
  const ZONES: Record<string, string> = {
    'west-hub': 'Asia/Shanghai',
    'east-edge': 'Asia/Shanghai',
    'de-hub': 'Europe/Berlin',
  };

  async function plannedStart(id: string): Promise<DateTime | undefined> {
    const { plan } = (await request(base).get(`/dashboard/api/jobs/${id}`).set(OPERATOR).expect(200)).body;
    return plan?.segments?.[0] ? utc(plan.segments[0].start) : undefined;
  }

  /** Points at the middle of a site's chart; returns its legend's values (time, green supply, …). */
  async function hoverChart(site: string): Promise<string[]> {
    const chart = page.locator(`#site-${site}`);
    // From outside the chart, so that the pointer moves over it even if it was there before.
    await page.mouse.move(0, 0);
    await chart.locator('.u-over').hover();
    await until(
      () => chart.locator('.u-legend .u-value').first().textContent(),
      (text) => text !== '–',
    );
    return chart.locator('.u-legend .u-value').allTextContents();
  }
});
