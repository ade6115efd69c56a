import { DateTime } from 'luxon';
import request from 'supertest';
import type { App } from 'supertest/types.js';
import { RateLimitConfig } from '../../src/config/westwind-config.js';
import { signedHeaders } from '../support/signed-webhook.js';
import {
  ALPHA,
  BETA,
  DE_DESK_SECRET,
  NW_GRID_SECRET,
  OPERATOR,
  snapshot,
  startTestApp,
  TestApp,
  testPrefix,
} from '../support/test-app.js';

const TENANT_BUDGET = 5;
const SENDER_BUDGET = 2;

const job = (name: string) => ({ name, gpus: 8, runtimeHours: 2, deadline: DateTime.utc().plus({ days: 2 }).toISO() });

function forecast(zone: string) {
  const start = DateTime.utc().startOf('hour');
  const points = Array.from({ length: 6 }, (_, i) => ({
    start: start.plus({ hours: i }).toISO(),
    windMw: 1000,
    solarMw: 0,
    loadMw: 900,
  }));
  return JSON.stringify({ zone, issuedAt: DateTime.utc().minus({ minutes: 1 }).toISO(), resolution: 'PT1H', points });
}

describe('rate limits hold across two instances of one deployment', () => {
  const prefix = testPrefix();
  const tight = {
    prefix,
    configure: (c: { rateLimits: { tenant: RateLimitConfig; sender: RateLimitConfig } }) => {
      c.rateLimits.tenant = RateLimitConfig.of(TENANT_BUDGET, 60);
      c.rateLimits.sender = RateLimitConfig.of(SENDER_BUDGET, 60);
    },
  };
  let a: TestApp;
  let b: TestApp;
  let httpA: App;
  let httpB: App;

  beforeAll(async () => {
    a = await startTestApp(tight);
    b = await startTestApp(tight);
    [httpA, httpB] = [a.app.getHttpServer(), b.app.getHttpServer()];
  });
  afterAll(async () => {
    await b.app.close();
    b.redis.disconnect();
    await a.close();
  });

  it('per tenant: shared by both instances; over it 429 + Retry-After, nothing stored; others unaffected', async () => {
    const answers = [];
    for (let i = 0; i < TENANT_BUDGET; i++)
      answers.push(
        await request(i % 2 ? httpB : httpA)
          .get('/v1/jobs')
          .set(ALPHA),
      );
    expect(answers.map((r) => r.status)).toEqual(Array(TENANT_BUDGET).fill(200));
    expect(answers.map((r) => r.headers['ratelimit-remaining'])).toEqual(['4', '3', '2', '1', '0']);
    expect(answers[0].headers['ratelimit-limit']).toBe(String(TENANT_BUDGET));

    const before = await snapshot(a.redis, prefix);
    for (const http of [httpA, httpB]) {
      const refused = await request(http).post('/v1/jobs').set(ALPHA).send(job('over-budget')).expect(429);
      expect(refused.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(refused.body).toMatchObject({ type: 'urn:westwind:problem:rate-limited', status: 429 });
      expect(refused.body.detail).toMatch(/Tenant "alpha" may send 5 requests per 60 s/);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
    }
    expect(await snapshot(a.redis, prefix)).toEqual(before);

    await request(httpB).post('/v1/jobs').set(BETA).send(job('beta-still-served')).expect(201);
  });

  it('per webhook sender: a third forecast within the minute is refused, not stored; others are served', async () => {
    const push = (http: App, secret: string, zone: string) => {
      const body = forecast(zone);
      return request(http).post('/v1/webhooks/forecasts').set(signedHeaders(secret, body)).send(body);
    };
    await push(httpA, NW_GRID_SECRET, 'west').expect(200);
    await push(httpB, NW_GRID_SECRET, 'west').expect(200);
    const before = await snapshot(a.redis, prefix);
    const refused = await push(httpA, NW_GRID_SECRET, 'west').expect(429);
    expect(refused.body.detail).toMatch(/Sender "nw-grid"/);
    expect(refused.headers['retry-after']).toMatch(/^\d+$/);
    expect(await snapshot(a.redis, prefix)).toEqual(before);
    await push(httpB, DE_DESK_SECRET, 'de').expect(200);
  });
});

describe('security headers', () => {
  let t: TestApp;
  beforeAll(async () => (t = await startTestApp()));
  afterAll(() => t.close());

  it('the dashboard page may run only its own scripts and may not be framed', async () => {
    const page = await request(t.app.getHttpServer()).get('/').set(OPERATOR).expect(200);
    expect(page.headers['content-security-policy']).toMatch(/default-src 'self'/);
    expect(page.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['referrer-policy']).toBe('no-referrer');
  });

  it('every response, API and bull-board included, carries nosniff and isolation headers', async () => {
    for (const [path, auth] of [
      ['/v1/jobs', ALPHA],
      ['/queues/', OPERATOR],
      ['/health', {}],
      ['/dashboard/api/overview', OPERATOR],
    ] as const) {
      const res = await request(t.app.getHttpServer()).get(path).set(auth);
      expect({ path, nosniff: res.headers['x-content-type-options'] }).toEqual({ path, nosniff: 'nosniff' });
      expect({ path, coop: res.headers['cross-origin-opener-policy'], poweredBy: res.headers['x-powered-by'] }).toEqual(
        { path, coop: 'same-origin', poweredBy: undefined },
      );
    }
  });
});
