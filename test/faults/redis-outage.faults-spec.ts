import { DateTime } from 'luxon';
import request from 'supertest';
import { until } from '../support/execution.js';
import { ServiceProcess } from '../support/service-process.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { ALPHA, connectTestRedis, deleteKeys, TEST_CONFIG, testPrefix } from '../support/test-app.js';

const OUTAGE_MS = 30_000;
const SPEED = 600;

/**
 * Redis goes away for 30 s under the built service (all roles) while jobs arrive and others run:
 * every request meanwhile is a 503 with Retry-After, never a 201 for a job that is not stored; after
 * Redis returns the service is ready again within 10 s by itself and dispatch carries on.
 */
describe('Redis outage of 30 s during intake and dispatch', () => {
  const prefix = testPrefix();
  const proxy = new TcpProxy(
    '127.0.0.1',
    Number(new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379').port || 6379),
  );
  let service: ServiceProcess;
  const start = DateTime.utc();

  beforeAll(async () => {
    await proxy.start();
    service = new ServiceProcess(4732, {
      WESTWIND_CONFIG: TEST_CONFIG,
      WESTWIND_PREFIX: prefix,
      WESTWIND_ROLES: 'api,planner,dispatch',
      LOG_LEVEL: 'warn',
      WESTWIND_CLOCK: 'virtual',
      WESTWIND_CLOCK_START: start.toISO(),
      WESTWIND_CLOCK_SPEED: String(SPEED),
      REDIS_URL: `redis://127.0.0.1:${proxy.port}`,
      REDIS_MODE: 'standalone',
    });
    await service.start();
  });
  afterAll(async () => {
    await proxy.restore();
    await service.stop();
    await proxy.cut();
    const redis = await connectTestRedis();
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });

  const job = (name: string) => ({
    name,
    gpus: 8,
    runtimeHours: 3,
    deadline: DateTime.utc().plus({ days: 30 }).toISO(),
    deferrable: false,
    interruptible: true,
  });
  const state = async (id: string) =>
    (await request(service.url).get(`/v1/jobs/${id}`).set(ALPHA)).body.state as string | undefined;
  it('answers 503 + Retry-After throughout, acknowledges only stored jobs, and recovers within 10 s', async () => {
    const before = await request(service.url).post('/v1/jobs').set(ALPHA).send(job('before')).expect(201);
    await until(
      () => state(before.body.id),
      (s) => s === 'running',
    );

    await proxy.cut();
    const cutAt = Date.now();
    const acknowledged: string[] = [];
    const answers = new Map<number, number>();
    let i = 0;
    while (Date.now() - cutAt < OUTAGE_MS) {
      const res = await request(service.url)
        .post('/v1/jobs')
        .set(ALPHA)
        .send(job(`during-${i++}`));
      answers.set(res.status, (answers.get(res.status) ?? 0) + 1);
      if (res.status === 201) acknowledged.push(res.body.id);
      else {
        expect(res.status).toBe(503);
        expect(res.headers['retry-after']).toMatch(/^\d+$/);
        expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(answers.get(503)).toBeGreaterThan(50);
    await request(service.url).get('/health/ready').expect(503);

    await proxy.restore();
    const restoredAt = Date.now();
    await until(
      async () => (await request(service.url).get('/health/ready')).status,
      (status) => status === 200,
      10_000,
    );
    const recoveredIn = Date.now() - restoredAt;
    expect(recoveredIn).toBeLessThan(10_000);
    console.log(
      `outage ${OUTAGE_MS / 1000} s: ${answers.get(503)} × 503, ${acknowledged.length} × 201; ` +
        `ready again ${recoveredIn} ms after Redis returned`,
    );

    // Nothing acknowledged was lost; nothing refused was stored.
    for (const id of acknowledged) expect(await state(id)).toBeDefined();
    const listed = (await request(service.url).get('/v1/jobs?limit=200').set(ALPHA).expect(200)).body.items as {
      name: string;
    }[];
    expect(listed.filter((j) => j.name.startsWith('during-')).length).toBe(acknowledged.length);

    // Intake and dispatch carry on: a new job is acknowledged and started, the one running before
    // still runs or finished.
    const after = await request(service.url).post('/v1/jobs').set(ALPHA).send(job('after')).expect(201);
    await until(
      () => state(after.body.id),
      (s) => s === 'running',
    );
    expect(['running', 'completed']).toContain(await state(before.body.id));
  });
});
