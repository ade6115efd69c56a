import { DateTime } from 'luxon';
import request from 'supertest';
import type { App } from 'supertest/types.js';
import { until } from '../support/execution.js';
import { ALPHA, startTestApp, TestApp } from '../support/test-app.js';
import { TcpProxy } from '../support/tcp-proxy.js';

const job = () => ({ name: 'outage', gpus: 8, runtimeHours: 2, deadline: DateTime.utc().plus({ days: 1 }).toISO() });

describe('Redis outage (app reaches Redis through a proxy the test cuts)', () => {
  const proxy = new TcpProxy('127.0.0.1', 6379);
  let t: TestApp;
  let http: App;

  beforeAll(async () => {
    await proxy.start();
    t = await startTestApp({ redisUrl: `redis://127.0.0.1:${proxy.port}` });
    http = t.app.getHttpServer();
  });
  afterAll(async () => {
    await proxy.restore();
    await t.close();
    await proxy.cut();
  });

  it('answers 503 with Retry-After while Redis is away, never a false 201, and recovers by itself', async () => {
    await request(http).post('/v1/jobs').set(ALPHA).send(job()).expect(201);
    await proxy.cut();

    const refused = await request(http)
      .post('/v1/jobs')
      .set(ALPHA)
      .send({ ...job(), name: 'during-outage' });
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toMatch(/^\d+$/);
    expect(refused.headers['content-type']).toMatch(/problem\+json/);
    await request(http).get('/v1/jobs').set(ALPHA).expect(503);
    await request(http).get('/health/ready').expect(503);
    await request(http).get('/health').expect(200); // alive, just not ready

    await proxy.restore();
    // Ready again by itself within 10 s (until() throws otherwise).
    await until(
      () => request(http).get('/health/ready'),
      (r) => r.status === 200,
      10_000,
    );
    const list = await request(http).get('/v1/jobs?limit=200').set(ALPHA).expect(200);
    expect(list.body.items.map((j: { name: string }) => j.name)).toEqual(['outage']);
    await request(http).post('/v1/jobs').set(ALPHA).send(job()).expect(201);
  });
});
