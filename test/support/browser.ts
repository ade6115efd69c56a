import type { INestApplication } from '@nestjs/common';
import type { AddressInfo } from 'node:net';
import { type Browser, chromium, type Page } from 'playwright-core';

/** Debian's Chromium (installed by .ci/run), never a downloaded browser; quiet on a closed network. */
export const CHROMIUM = '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
}

/**
 * A page logged in as the test configuration's operator `ops`, 1400×1300, and the errors its console and scripts
 * report (a dashboard test ends expecting none).
 */
export async function operatorPage(browser: Browser): Promise<{ page: Page; consoleErrors: string[] }> {
  const context = await browser.newContext({
    httpCredentials: { username: 'ops', password: 'ops-key-000000000001' },
    viewport: { width: 1400, height: 1300 },
  });
  const page = await context.newPage();
  const consoleErrors: string[] = [];
  page.on('console', (message) => message.type() === 'error' && consoleErrors.push(message.text()));
  page.on('pageerror', (error) => consoleErrors.push(error.message));
  return { page, consoleErrors };
}

/**
 * For a describe block: before it, the app listening on a free port, Chromium and an operator's page (`operatorPage`)
 * at the dashboard's address; after it, the browser closed.
 */
export function useOperatorPage(app: () => INestApplication): { page: Page; consoleErrors: string[]; url: string } {
  const session = { page: undefined as unknown as Page, consoleErrors: [] as string[], url: '' };
  let browser: Browser | undefined;
  beforeAll(async () => {
    await app().listen(0, '127.0.0.1');
    browser = await launchChromium();
    Object.assign(session, await operatorPage(browser));
    session.url = `http://127.0.0.1:${(app().getHttpServer().address() as AddressInfo).port}/`;
  });
  afterAll(() => browser?.close());
  return session;
}
