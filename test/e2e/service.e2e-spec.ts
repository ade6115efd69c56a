import request from 'supertest';
import { KEEP_ALIVE_TIMEOUT_MS } from '../../src/app.setup.js';
import { useTestApp } from '../support/test-app.js';

describe('service surface', () => {
  const ctx = useTestApp();

  it('GET /health is liveness and GET /health/ready checks Redis', async () => {
    expect((await request(ctx.http).get('/health').expect(200)).body.status).toBe('ok');
    const ready = await request(ctx.http).get('/health/ready').expect(200);
    expect(ready.body.details.redis.status).toBe('up');
  });

  it('serves OpenAPI at /docs generated from the DTOs', async () => {
    const doc = (await request(ctx.http).get('/docs/json').expect(200)).body;
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/jobs', '/v1/jobs/{id}', '/health/ready']));
    const submit = doc.components.schemas.SubmitJobDto;
    expect(submit.required).toEqual(expect.arrayContaining(['name', 'gpus', 'runtimeHours', 'deadline']));
    expect(submit.properties.priority).toMatchObject({ minimum: 0, maximum: 9 });
    expect(doc.components.securitySchemes.bearer).toBeDefined();
    // Answers are described too: the zones and their signals.
    const answer = (path: string) => doc.paths[path].get.responses['200'].content['application/json'].schema;
    expect(answer('/v1/zones')).toMatchObject({ type: 'array', items: { $ref: '#/components/schemas/ZoneDto' } });
    expect(answer('/v1/zones/{zone}/signals')).toEqual({ $ref: '#/components/schemas/ZoneSignalsDto' });
    expect(Object.keys(doc.components.schemas.ZoneHourDto.properties)).toEqual(
      expect.arrayContaining(['start', 'forecast', 'renewableMw', 'surplusMw', 'peak']),
    );
    expect(Object.keys(doc.components.schemas.SiteHourDto.properties)).toEqual(
      expect.arrayContaining(['greenMw', 'importCapMw']),
    );
    await request(ctx.http).get('/docs').expect(200).expect('content-type', /html/);
  });

  it('keeps idle connections open longer than a load balancer does (65 s), so reused ones are not cut', async () => {
    const res = await request(ctx.http).get('/health').set('connection', 'keep-alive').expect(200);
    expect(res.headers['keep-alive']).toBe(`timeout=${KEEP_ALIVE_TIMEOUT_MS / 1000}`);
  });

  it('answers unknown routes with a problem+json 404', async () => {
    const res = await request(ctx.http).get('/v2/nothing').expect(404);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
    expect(res.body).toMatchObject({ status: 404, title: 'Not Found' });
  });

  it('tags every response with a request id, reusing a sane one from the caller', async () => {
    expect((await request(ctx.http).get('/health')).headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect((await request(ctx.http).get('/health').set('x-request-id', 'trace-123')).headers['x-request-id']).toBe(
      'trace-123',
    );
    // A refused id is replaced by a fresh UUID (which may itself contain the hex letters "bad", so match its shape).
    expect(
      (await request(ctx.http).get('/health').set('x-request-id', 'bad id with spaces')).headers['x-request-id'],
    ).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });
});
