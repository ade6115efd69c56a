import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext } from 'playwright-core';
import { withoutOutsideLinks } from '../../src/queue-board/board-page.js';
import { launchChromium } from '../support/browser.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

let t: TestApp;
let base: string;
let browser: Browser;

beforeAll(async () => {
  t = await startTestApp();
  await t.app.listen(0, '127.0.0.1');
  base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

/**
 * A browser context that records every request and answers none that leaves this host: the test
 * sees what the page would have fetched from outside, and never fetches it.
 */
async function recordingContext(credentials: { username: string; password: string }) {
  const context: BrowserContext = await browser.newContext({ httpCredentials: credentials });
  const outside: string[] = [];
  const errors: string[] = [];
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.protocol === 'data:' || url.host === new URL(base).host) return route.continue();
    outside.push(url.href);
    return route.abort('blockedbyclient');
  });
  const page = await context.newPage();
  page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
  page.on('pageerror', (error) => errors.push(error.message));
  return { context, page, outside, errors };
}

describe('bull-board at /queues in a real browser', () => {
  it.each([
    ['an admin', { username: 'ops', password: 'ops-key-000000000001' }],
    ['a viewer', { username: 'watcher', password: 'watcher-key-0000000001' }],
  ])('shows the queues to %s and loads nothing from outside this host', async (_who, credentials) => {
    const { context, page, outside, errors } = await recordingContext(credentials);
    try {
      const response = await page.goto(`${base}/queues/`);
      expect(response?.status()).toBe(200);
      const html = await response!.text();
      expect(html).not.toMatch(/fonts\.(googleapis|gstatic)\.com/);
      expect(response!.headers()['content-security-policy']).toMatch(/default-src 'self'/);
      // The board has drawn its queues: its scripts, styles and API calls all came from here.
      await page.getByText('dispatch-west-hub').first().waitFor();
      await page.getByText('planning').first().waitFor();
      await page.waitForLoadState('networkidle');
      expect(outside).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});

describe('withoutOutsideLinks', () => {
  it('drops links to other origins and keeps this origin’s', () => {
    const page = [
      '<link href="https://fonts.googleapis.com/css2?family=IBM+Plex+Sans&display=swap" rel="stylesheet">',
      "<link rel='preconnect' href='//fonts.gstatic.com' crossorigin>",
      '<link href="static/css/main.css" rel="stylesheet">',
      '<link rel="icon" href="/queues/static/images/logo.svg">',
    ].join('\n');
    expect(withoutOutsideLinks(page).split('\n')).toEqual([
      '<link href="static/css/main.css" rel="stylesheet">',
      '<link rel="icon" href="/queues/static/images/logo.svg">',
    ]);
  });
});
