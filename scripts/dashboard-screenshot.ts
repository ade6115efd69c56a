/**
 * npm run screenshot -- [url] [out.png] — a full-page screenshot of a running Westwind's dashboard,
 * logged in as the demo operator (WESTWIND_OPERATOR / WESTWIND_OPERATOR_KEY to override), in
 * Debian's Chromium, showing times in Shanghai (TZ_NAME to change). Used for the README's picture.
 */
import { launchChromium } from '../test/support/browser.js';

const url = process.argv[2] ?? 'http://localhost:3000/';
const out = process.argv[3] ?? 'docs/dashboard.png';
const browser = await launchChromium();
try {
  const context = await browser.newContext({
    httpCredentials: { username: process.env.WESTWIND_OPERATOR ?? 'grid-ops', password: process.env.WESTWIND_OPERATOR_KEY ?? 'ww-operator-key-change-me' },
    viewport: { width: 1400, height: 1700 },
    timezoneId: process.env.TZ_NAME ?? 'Asia/Shanghai',
  });
  const page = await context.newPage();
  await page.goto(url);
  await page.locator('#live.on').waitFor();
  await page.locator('#jobs tbody tr').first().waitFor();
  const paused = page.locator('#jobs tbody tr[data-state="paused"]').first();
  await (await paused.count() ? paused : page.locator('#jobs tbody tr').first()).click();
  await page.locator('#timeline .bar').first().waitFor();
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.waitForTimeout(500);
  await page.screenshot({ path: out });
  console.log(`saved ${out}`);
} finally {
  await browser.close();
}
