/**
 * npm run screenshot -- [url] [out.png] — a screenshot of a running Westwind's dashboard, logged in
 * as the demo operator (WESTWIND_OPERATOR / WESTWIND_OPERATOR_KEY to override), in Debian's
 * Chromium. Used for the README's picture. The page shows each time in its site's zone, labelled,
 * whatever the browser's own zone (here UTC, to show that); TIME_MODE=utc shows them all in UTC.
 */
import { launchChromium } from '../test/support/browser.js';

const url = process.argv[2] ?? 'http://localhost:3000/';
const out = process.argv[3] ?? 'docs/dashboard.png';
const browser = await launchChromium();
try {
  const context = await browser.newContext({
    httpCredentials: {
      username: process.env.WESTWIND_OPERATOR ?? 'grid-ops',
      password: process.env.WESTWIND_OPERATOR_KEY ?? 'ww-operator-key-change-me',
    },
    viewport: { width: 1400, height: 1700 },
    timezoneId: 'UTC',
  });
  const page = await context.newPage();
  await page.goto(url);
  await page.locator('#live.on').waitFor();
  if (process.env.TIME_MODE === 'utc') await page.locator('#time-mode button[data-mode="utc"]').click();
  await page.locator('#jobs tbody tr').first().waitFor();
  // A paused job's timeline tells the most: when it pauses, and why.
  const paused = page.locator('#jobs tbody tr[data-state="paused"]').first();
  await ((await paused.count()) ? paused : page.locator('#jobs tbody tr').first()).click();
  await page.locator('#timeline .bar').first().waitFor();
  await page.evaluate('window.scrollTo(0, 0)'); // a browser expression: this script is type checked for Node
  // Point at the first chart a third of the way in: its legend shows the values there.
  const chart = page.locator('#zones figure.site').first();
  const over = chart.locator('.u-over');
  const box = (await over.boundingBox())!;
  await page.mouse.move(box.x + box.width / 3, box.y + box.height / 2);
  await chart.locator('.u-legend .u-value').first().filter({ hasNotText: '–' }).waitFor();
  await page.screenshot({ path: out });
  console.log(`saved ${out}`);
} finally {
  await browser.close();
}
