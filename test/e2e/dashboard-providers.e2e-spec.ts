import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { DateTime } from 'luxon';
import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import { parseWestwindConfig } from '../../src/config/westwind-config.js';
import { virtualClock } from '../../src/domain/time/clock.js';
import { launchChromium } from '../support/browser.js';
import { until } from '../support/execution.js';
import { fixture, ProviderServer, type Reply } from '../support/provider-server.js';
import { ALPHA, startTestApp, TEST_CONFIG, type TestApp } from '../support/test-app.js';

// The dashboard shows each zone's forecast providers: provider, area, the age of the last good pull,
// fresh or stale, and the last error. Zone `fi` pulls ENTSO-E from a loopback server answering with a
// recorded document (test/fixtures/providers/entsoe/PROVENANCE.md), then with a 503.
const A69 = fixture('entsoe', 'a69-fi-day-ahead-wind-solar.xml');
const EIC = '10YFI-1--------U';
const clock = virtualClock(DateTime.fromISO('2024-02-09T19:00Z', { zone: 'utc' }), 600);

let server: ProviderServer;
let reply: () => Reply = () => ({ body: A69, contentType: 'text/xml' });
let t: TestApp;
let base: string;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  server = await ProviderServer.start();
  server.route = () => reply();
  t = await startTestApp({
    clock,
    roles: 'api,planner',
    configure: (config) => {
      const yaml = readFileSync(TEST_CONFIG, 'utf8').replace(
        'zones:\n',
        `zones:
  - id: fi
    timeZone: Europe/Helsinki
    forecastError: { "6-24h": 0.12 }
    providers:
      - type: entsoe
        area: "${EIC}"
        token: "\${ENTSOE_TOKEN}"
        baseUrl: "\${ENTSOE_URL}"
        timeoutMs: 2000
`,
      );
      const env = { ENTSOE_TOKEN: 'dashboard-e2e-token-77a1', ENTSOE_URL: server.baseUrl };
      Object.assign(config, parseWestwindConfig(yaml, 'dashboard providers e2e', env));
    },
  });
  await t.app.listen(0, '127.0.0.1');
  base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
  browser = await launchChromium();
  const context = await browser.newContext({ httpCredentials: { username: 'ops', password: 'ops-key-000000000001' } });
  page = await context.newPage();
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
  await server?.close();
});

interface Status {
  type: string;
  stale: boolean;
  ageSeconds: number | null;
  lastError: { kind: string; message: string } | null;
}
const fiStatus = async (): Promise<Status> =>
  ((await request(base).get('/v1/zones').set(ALPHA).expect(200)).body as { id: string; providers: Status[] }[]).find(
    (z) => z.id === 'fi',
  )!.providers[0];

const entsoe = () => page.locator('#zone-fi li.provider[data-provider="entsoe"]');

describe('the dashboard: forecast providers per zone', () => {
  it('shows the provider, its area, the age of its last good pull, fresh', async () => {
    await until(fiStatus, (s) => s.ageSeconds !== null, 30_000);
    await page.goto(`${base}/`);
    await entsoe().waitFor();
    expect(await entsoe().getAttribute('data-stale')).toBe('false');
    const line = await entsoe().innerText();
    expect(line).toMatch(/^ENTSO-E · 10YFI-1--------U · last good pull \d+ (s|min) ago · fresh$/);
    // A zone with no site still gets its block (Finland has no site in the test config), and the forecast
    // error by lead time with its source: the configured 6-24 h, the default elsewhere (nothing measured).
    expect(await page.locator('#zone-fi h3').innerText()).toBe('Zone fi (Europe/Helsinki)');
    const bucket = (lead: string) => page.locator(`#zone-fi .forecast-error .bucket[data-lead="${lead}"]`);
    expect(await bucket('6-24h').innerText()).toBe('6–24 h 12.0%');
    expect(await bucket('6-24h').getAttribute('data-source')).toBe('configured');
    expect(await bucket('0-6h').innerText()).toBe('0–6 h 5.0%');
    expect(await bucket('0-6h').getAttribute('data-source')).toBe('default');
    // Zones without providers show no provider list.
    expect(await page.locator('#zone-west .providers').isHidden()).toBe(true);
  });

  it('a failing provider shows stale, with its error and the next try', async () => {
    reply = () => ({ status: 503, body: '' });
    const failed = await until(fiStatus, (s) => s.lastError?.kind === 'server-error', 30_000);
    expect(failed.stale).toBe(true);
    await page.reload();
    await page.locator('#zone-fi li.provider.stale').waitFor();
    expect(await entsoe().getAttribute('data-stale')).toBe('true');
    expect(await page.locator('#zone-fi').getAttribute('data-stale-providers')).toBe('1');
    const line = await entsoe().innerText();
    expect(line).toContain(' · stale · ');
    expect(line).toMatch(/last error \d{4}-\d\d-\d\d \d\d:\d\d Europe\/Helsinki server-error: .*503.* in a row\)/);
    expect(line).toMatch(/next try \d{4}-\d\d-\d\d \d\d:\d\d Europe\/Helsinki$/);
    expect(line).toContain(failed.lastError!.message);
  });

  it('recovered: fresh again, the last error kept as "since recovered"', async () => {
    reply = () => ({ body: A69, contentType: 'text/xml' });
    await until(fiStatus, (s) => !s.stale, 30_000);
    // No reload: the page redraws on the re-plan the stored forecast brings, or its own look every 30 s.
    await page.locator('#zone-fi li.provider[data-stale="false"]').waitFor({ timeout: 40_000 });
    expect(await entsoe().innerText()).toMatch(/ · fresh · .*server-error: .*\(since recovered\)$/);
  });
});
