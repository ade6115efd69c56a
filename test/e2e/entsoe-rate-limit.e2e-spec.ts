import { readFileSync } from 'node:fs';
import { DateTime } from 'luxon';
import { parseWestwindConfig, type WestwindConfig } from '../../src/config/westwind-config.js';
import { virtualClock } from '../../src/domain/time/clock.js';
import { EntsoeProvider } from '../../src/signals/providers/entsoe/entsoe-provider.js';
import { EntsoeRequestPermits } from '../../src/signals/providers/entsoe/entsoe-request-permits.js';
import { fixture, ProviderServer } from '../support/provider-server.js';
import { deleteKeys, startTestApp, TEST_CONFIG, testPrefix, type TestApp } from '../support/test-app.js';

// Two instances of one deployment (same Redis prefix, both with the pulling role) and four zones
// pulling from ENTSO-E every service minute (0.1 s real at 600×; a scheduler tick each real second):
// about 8 requests a second wanted. Pulls run one at a time across instances (the pull queue's global
// concurrency), and the instance that finishes a pull takes the next, so the scheduled pulls mostly
// run in one instance; the second instance's ENTSO-E driver is driven by the test meanwhile (the
// driver the service builds, with that instance's permits). With a budget of 12 requests in any 4 s
// the stand-in ENTSO-E server must never see more than 12 in 4 s from both together.
const REQUESTS = 12;
const WINDOW_MS = 4000;
const OBSERVE_MS = 14_000;
const A69 = fixture('entsoe', 'a69-fi-day-ahead-wind-solar.xml');
const A65 = fixture('entsoe', 'a65-dk2-day-ahead-load.xml');

let server: ProviderServer;
const sent: number[] = [];
const instances: TestApp[] = [];

function configure(config: WestwindConfig): void {
  const zones = ['fi-a', 'fi-b', 'fi-c', 'fi-d']
    .map(
      (id) => `  - id: ${id}
    timeZone: Europe/Helsinki
    providers:
      - type: entsoe
        area: "10YFI-1--------U"
        token: "\${ENTSOE_TOKEN}"
        baseUrl: "\${ENTSOE_URL}"
        refresh: PT1M
        timeoutMs: 2000
        rateLimit: { requests: ${REQUESTS}, windowSeconds: ${WINDOW_MS / 1000} }
`,
    )
    .join('');
  const yaml = readFileSync(TEST_CONFIG, 'utf8').replace('zones:\n', `zones:\n${zones}`);
  const env = { ENTSOE_TOKEN: 'rate-limit-e2e-token-0042', ENTSOE_URL: server.baseUrl };
  Object.assign(config, parseWestwindConfig(yaml, 'entsoe rate limit e2e', env));
}

beforeAll(async () => {
  server = await ProviderServer.start();
  server.route = (seen) => {
    sent.push(performance.now());
    const a69 = seen.query.get('documentType') === 'A69';
    return { body: a69 ? A69 : A65, contentType: 'text/xml' };
  };
  const prefix = testPrefix();
  for (let i = 0; i < 2; i++) {
    const clock = virtualClock(DateTime.fromISO('2024-02-09T19:00Z', { zone: 'utc' }), 600);
    instances.push(await startTestApp({ prefix, clock, roles: 'api,planner', configure }));
  }
});
// Closing waits for each app's forecast pull in progress, which by design waits its turn for ENTSO-E permits: with a
// core kept busy that took over jest's default 30 s (clean-clone CI, 3ff1806).
const CLOSE_TIMEOUT_MS = 120_000;
afterAll(async () => {
  // Both apps stop before the shared keys go (each TestApp's close would delete them under the other).
  await Promise.all(instances.map((t) => t.app.close()));
  await deleteKeys(instances[0].redis, instances[0].prefix);
  for (const t of instances) t.redis.disconnect();
  await server.close();
}, CLOSE_TIMEOUT_MS);

function busiest(times: number[], windowMs: number): number {
  let [most, first] = [0, 0];
  for (let last = 0; last < times.length; last++) {
    while (times[last] - times[first] >= windowMs) first++;
    most = Math.max(most, last - first + 1);
  }
  return most;
}

describe('ENTSO-E requests: one budget across instances (BullMQ limiter on the entsoe-requests queue)', () => {
  it(`two instances together send at most ${REQUESTS} requests in any ${WINDOW_MS / 1000} s`, async () => {
    const permits = instances.map((t) => t.app.get(EntsoeRequestPermits));
    expect(permits[0].limiter).toEqual({ max: 2, duration: 1000 });
    const start = performance.now();
    const driver = new EntsoeProvider(permits[1]);
    const source = {
      area: '10YFI-1--------U',
      baseUrl: server.baseUrl,
      credentials: { token: 'x'.repeat(12) },
      timeoutMs: 2000,
    };
    const window = { from: DateTime.fromISO('2024-02-10T00:00Z'), to: DateTime.fromISO('2024-02-11T00:00Z') };
    let fetched = 0;
    while (performance.now() - start < OBSERVE_MS) {
      const result = await driver.fetch(source, window);
      expect(result.ok).toBe(true);
      fetched++;
    }
    const seen = sent.filter((t) => t >= start);
    const most = busiest(seen, WINDOW_MS);
    console.log(
      `ENTSO-E stand-in: ${seen.length} requests in ${OBSERVE_MS / 1000} s, at most ${most} in any ` +
        `${WINDOW_MS / 1000} s; permits granted to each instance: ${permits.map((p) => p.granted).join(', ')}; ` +
        `${fetched} fetches by the second`,
    );
    expect(most).toBeLessThanOrEqual(REQUESTS);
    // The budget is what held them: about 2 a second went out (8 wanted), from both instances.
    expect(seen.length).toBeGreaterThanOrEqual((OBSERVE_MS / 1000) * 1.5);
    expect(permits.every((p) => p.granted > 0)).toBe(true);
  });
});
