import { DateTime } from 'luxon';
import request from 'supertest';
import type { App } from 'supertest/types.js';
import { IdempotencyRepository } from '../../src/idempotency/idempotency.repository.js';
import { JobsRepository } from '../../src/jobs/jobs.repository.js';
import { transition } from '../../src/domain/jobs/job-state-machine.js';
import { until } from '../support/execution.js';
import { ALPHA, ALPHA_ROTATED, BETA, keysUnder, snapshot, useTestApp } from '../support/test-app.js';

const inDays = (days: number) => DateTime.utc().plus({ days }).toISO();
const validJob = () => ({ name: 'llama-finetune', gpus: 64, runtimeHours: 12, deadline: inDays(3) });

describe('jobs API (real app, real Redis)', () => {
  const ctx = useTestApp();

  const submit = (body: unknown, headers: Record<string, string> = ALPHA) =>
    request(ctx.http)
      .post('/v1/jobs')
      .set(headers)
      .send(body as object);

  describe('POST /v1/jobs', () => {
    it('stores the job, answers 201 with a Location, and GET returns the same job', async () => {
      const res = await submit({
        ...validJob(),
        sites: ['west-hub'],
        dataRegion: 'shanghai',
        datasetGb: 500,
        callbackUrl: 'http://agent.local/hook',
      }).expect(201);
      expect(res.headers.location).toBe(`/v1/jobs/${res.body.id}`);
      expect(res.body).toMatchObject({
        tenant: 'alpha',
        state: 'queued',
        gpus: 64,
        sites: ['west-hub'],
        dataRegion: 'shanghai',
        datasetGb: 500,
      });
      const stored = JSON.parse((await ctx.t.redis.get(`${ctx.t.prefix}job:${res.body.id}`))!);
      expect(stored).toEqual(res.body);
      expect(await ctx.t.redis.zscore(`${ctx.t.prefix}jobs:active`, res.body.id)).not.toBeNull();
      const got = await request(ctx.http).get(res.headers.location).set(ALPHA).expect(200);
      expect(got.body).toEqual({ ...res.body, plan: null }); // no planner runs in this file
    });

    it('applies the documented defaults and normalises instants to UTC', async () => {
      const before = DateTime.utc();
      // More than a year ahead.
      const res = await submit({ ...validJob(), deadline: '2099-01-01T08:00:00+08:00' }).expect(422);
      expect(res.body.errors).toEqual([expect.objectContaining({ field: 'deadline' })]);
      const deadline = DateTime.utc().plus({ days: 2 }).setZone('Asia/Shanghai').toISO()!;
      const ok = await submit({ ...validJob(), deadline }).expect(201);
      expect(ok.body).toMatchObject({ deferrable: true, interruptible: true, checkpointMinutes: 10, priority: 5 });
      expect(ok.body.deadline).toBe(DateTime.fromISO(deadline).toUTC().toISO());
      expect(DateTime.fromISO(ok.body.earliestStart) >= before.startOf('second')).toBe(true);
      expect(ok.body.history).toEqual([{ at: ok.body.submittedAt, from: null, to: 'queued', reason: 'submitted' }]);
    });

    it('accepts every key a tenant has, for rotation', async () => {
      const res = await submit(validJob(), ALPHA_ROTATED).expect(201);
      expect(res.body.tenant).toBe('alpha');
    });
  });

  describe('bad input gets a 4xx problem+json and changes nothing', () => {
    const cases: Array<[string, () => request.Test, number, string]> = [
      [
        'malformed JSON',
        () => request(ctx.http).post('/v1/jobs').set(ALPHA).set('content-type', 'application/json').send('{"name": '),
        400,
        '(malformed-json)',
      ],
      ['a JSON array instead of an object', () => submit([validJob()]), 400, '(body)'],
      ['a string for a number', () => submit({ ...validJob(), gpus: '8' }), 400, 'gpus'],
      ['a fractional GPU count', () => submit({ ...validJob(), gpus: 1.5 }), 400, 'gpus'],
      ['zero runtime', () => submit({ ...validJob(), runtimeHours: 0 }), 400, 'runtimeHours'],
      ['priority out of range', () => submit({ ...validJob(), priority: 10 }), 400, 'priority'],
      ['an unknown field', () => submit({ ...validJob(), colour: 'green' }), 400, 'colour'],
      ['a missing required field', () => submit({ gpus: 1, runtimeHours: 1, deadline: inDays(1) }), 400, 'name'],
      ['a deadline without offset', () => submit({ ...validJob(), deadline: '2030-01-01T00:00:00' }), 400, 'deadline'],
      [
        'an earliestStart without offset',
        () => submit({ ...validJob(), earliestStart: '2030-01-01T00:00' }),
        400,
        'earliestStart',
      ],
      ['an impossible date', () => submit({ ...validJob(), deadline: '2030-02-30T00:00:00Z' }), 400, 'deadline'],
      ['datasetGb without dataRegion', () => submit({ ...validJob(), datasetGb: 10 }), 400, 'dataRegion'],
      [
        'a callbackUrl that is not ctx.http(s)',
        () => submit({ ...validJob(), callbackUrl: 'ftp://x/y' }),
        400,
        'callbackUrl',
      ],
      ['more GPUs than the largest site', () => submit({ ...validJob(), gpus: 513 }), 422, 'gpus'],
      [
        'more GPUs than the largest allowed site',
        () => submit({ ...validJob(), gpus: 65, sites: ['east-edge'] }),
        422,
        'gpus',
      ],
      [
        'a deadline before earliestStart + runtimeHours',
        () => submit({ ...validJob(), runtimeHours: 100, deadline: inDays(2) }),
        422,
        'deadline',
      ],
      ['an unknown site', () => submit({ ...validJob(), sites: ['west-hub', 'atlantis'] }), 422, 'sites[1]'],
      [
        'a deadline no allowed site can meet (import cap)',
        () => submit({ ...validJob(), gpus: 60, sites: ['east-edge'] }),
        422,
        'deadline',
      ],
      ['an unknown data region', () => submit({ ...validJob(), dataRegion: 'mars' }), 422, 'dataRegion'],
      [
        'a body over 1 MiB',
        () => submit({ ...validJob(), name: 'x'.repeat(1024 * 1024 + 10) }),
        413,
        '(body-too-large)',
      ],
      [
        'a malformed Idempotency-Key',
        () => submit(validJob(), { ...ALPHA, 'idempotency-key': 'x'.repeat(300) }),
        400,
        'Idempotency-Key',
      ],
    ];

    it.each(cases)('%s', async (_, send, status, field) => {
      const before = await snapshot(ctx.t.redis, ctx.t.prefix);
      const res = await send().expect(status);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({
        status,
        title: expect.any(String),
        detail: expect.any(String),
        instance: '/v1/jobs',
      });
      if (field.startsWith('(') && field.endsWith(')') && !field.includes('body)')) {
        expect(res.body.type).toBe(`urn:westwind:problem:${field.slice(1, -1)}`);
      } else {
        expect(res.body.errors).toEqual(
          expect.arrayContaining([expect.objectContaining({ field, message: expect.any(String) })]),
        );
      }
      expect(await snapshot(ctx.t.redis, ctx.t.prefix)).toEqual(before);
    });
  });

  describe('authentication and tenant isolation', () => {
    it('refuses a missing or unknown key with 401 and WWW-Authenticate', async () => {
      for (const headers of [{}, { authorization: 'Bearer not-a-real-key-000000' }, { authorization: 'Basic YTpi' }]) {
        const res = await request(ctx.http).get('/v1/jobs').set(headers).expect(401);
        expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
        expect(res.headers['content-type']).toMatch(/problem\+json/);
      }
      const before = await snapshot(ctx.t.redis, ctx.t.prefix);
      await request(ctx.http).post('/v1/jobs').send(validJob()).expect(401);
      expect(await snapshot(ctx.t.redis, ctx.t.prefix)).toEqual(before);
    });

    it("hides another tenant's jobs: GET and DELETE answer 404, lists leave them out", async () => {
      const mine = (await submit(validJob(), ALPHA).expect(201)).body;
      await request(ctx.http).get(`/v1/jobs/${mine.id}`).set(BETA).expect(404);
      await request(ctx.http).delete(`/v1/jobs/${mine.id}`).set(BETA).expect(404);
      const list = await request(ctx.http).get('/v1/jobs').set(BETA).expect(200);
      expect(list.body.items.map((j: { id: string }) => j.id)).not.toContain(mine.id);
      expect((await request(ctx.http).get(`/v1/jobs/${mine.id}`).set(ALPHA).expect(200)).body.state).toBe('queued');
    });

    it('answers 404 for unknown and malformed ids', async () => {
      await request(ctx.http).get('/v1/jobs/01900000-0000-7000-8000-000000000000').set(ALPHA).expect(404);
      await request(ctx.http).get('/v1/jobs/..%2F..%2Fetc').set(ALPHA).expect(404);
    });
  });

  describe('Idempotency-Key', () => {
    it('same key and body: the original response, and no second job', async () => {
      const body = { ...validJob(), name: 'idem-same' };
      const key = { ...ALPHA, 'idempotency-key': 'submit-idem-same-1' };
      const first = await submit(body, key).expect(201);
      const again = await submit({ ...body }, key).expect(201);
      expect(again.body).toEqual(first.body);
      expect(again.headers.location).toBe(first.headers.location);
      expect(again.headers['idempotent-replayed']).toBe('true');
      const all = await request(ctx.http).get('/v1/jobs?limit=200').set(ALPHA).expect(200);
      expect(all.body.items.filter((j: { name: string }) => j.name === 'idem-same')).toHaveLength(1);
    });

    it('same key, different body: 422 and nothing created', async () => {
      const key = { ...ALPHA, 'idempotency-key': 'submit-idem-diff-1' };
      await submit({ ...validJob(), name: 'idem-diff' }, key).expect(201);
      const before = await snapshot(ctx.t.redis, ctx.t.prefix);
      const res = await submit({ ...validJob(), name: 'idem-diff', gpus: 8 }, key).expect(422);
      expect(res.body.type).toBe('urn:westwind:problem:idempotency-key-reused');
      expect(await snapshot(ctx.t.redis, ctx.t.prefix)).toEqual(before);
    });

    it('a duplicate while the first is still in flight: 409', async () => {
      const body = { ...validJob(), name: 'idem-inflight' };
      const store = ctx.t.app.get(IdempotencyRepository);
      // Another request holds the claim, as if it were mid-way through.
      const claim = await store.claim('alpha', 'submit-idem-inflight', store.fingerprint('POST /v1/jobs', body));
      expect(claim.outcome).toBe('claimed');
      const res = await submit(body, { ...ALPHA, 'idempotency-key': 'submit-idem-inflight' }).expect(409);
      expect(res.headers['retry-after']).toBeDefined();
    });

    it('a burst of identical requests creates exactly one job', async () => {
      const body = { ...validJob(), name: 'idem-burst' };
      const key = { ...ALPHA, 'idempotency-key': 'submit-idem-burst' };
      const answers = await Promise.all(Array.from({ length: 12 }, () => submit(body, key)));
      const created = answers.filter((r) => r.status === 201);
      expect(answers.every((r) => r.status === 201 || r.status === 409)).toBe(true);
      expect(new Set(created.map((r) => r.body.id)).size).toBe(1);
      const all = await request(ctx.http).get('/v1/jobs?limit=200').set(ALPHA).expect(200);
      expect(all.body.items.filter((j: { name: string }) => j.name === 'idem-burst')).toHaveLength(1);
    });

    it('keys are per tenant: another tenant may use the same key', async () => {
      const key = 'shared-key-across-tenants';
      const a = await submit(validJob(), { ...ALPHA, 'idempotency-key': key }).expect(201);
      const b = await submit(validJob(), { ...BETA, 'idempotency-key': key }).expect(201);
      expect(b.body.id).not.toBe(a.body.id);
    });

    it('a refused request releases its key, so a corrected retry with the same key succeeds', async () => {
      const key = { ...ALPHA, 'idempotency-key': 'submit-idem-retry' };
      await submit({ ...validJob(), sites: ['atlantis'] }, key).expect(422);
      await submit({ ...validJob(), sites: ['atlantis'] }, key).expect(422); // not a 409: the key was released
    });
  });

  describe('GET /v1/jobs', () => {
    it('pages newest first with a cursor, without gaps or repeats', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++)
        ids.push((await submit({ ...validJob(), name: `page-${i}` }, BETA).expect(201)).body.id);
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const res = await request(ctx.http)
          .get('/v1/jobs')
          .query({ limit: 2, ...(cursor ? { cursor } : {}) })
          .set(BETA)
          .expect(200);
        expect(res.body.items.length).toBeLessThanOrEqual(2);
        seen.push(...res.body.items.map((j: { id: string }) => j.id));
        cursor = res.body.nextCursor;
      } while (cursor);
      const betaIds = seen.filter((id) => ids.includes(id));
      expect(betaIds).toEqual([...ids].reverse());
      expect(new Set(seen).size).toBe(seen.length);
    });

    it('filters by state', async () => {
      const job = (await submit(validJob(), BETA).expect(201)).body;
      await request(ctx.http).delete(`/v1/jobs/${job.id}`).set(BETA).expect(200);
      const cancelled = await request(ctx.http).get('/v1/jobs?state=cancelled').set(BETA).expect(200);
      expect(cancelled.body.items.map((j: { id: string }) => j.id)).toEqual([job.id]);
      const queued = await request(ctx.http).get('/v1/jobs?state=queued').set(BETA).expect(200);
      expect(queued.body.items.map((j: { id: string }) => j.id)).not.toContain(job.id);
    });

    it.each([
      ['limit=0', 'limit'],
      ['limit=201', 'limit'],
      ['limit=abc', 'limit'],
      ['state=sleeping', 'state'],
      ['cursor=%24%24%24', 'cursor'],
      ['cursor=bm90LWFuLWlk', 'cursor'],
      ['colour=green', 'colour'],
    ])('refuses ?%s with 400 naming %s', async (query, field) => {
      const res = await request(ctx.http).get(`/v1/jobs?${query}`).set(ALPHA).expect(400);
      expect(res.body.errors).toEqual([expect.objectContaining({ field })]);
    });
  });

  describe('DELETE /v1/jobs/:id', () => {
    it('cancels, records why, and is idempotent', async () => {
      const job = (await submit(validJob()).expect(201)).body;
      const cancelled = await request(ctx.http).delete(`/v1/jobs/${job.id}`).set(ALPHA).expect(200);
      expect(cancelled.body.state).toBe('cancelled');
      expect(cancelled.body.history.at(-1)).toMatchObject({
        from: 'queued',
        to: 'cancelled',
        reason: 'cancelled by the tenant',
      });
      expect(await ctx.t.redis.zscore(`${ctx.t.prefix}jobs:active`, job.id)).toBeNull();
      const again = await request(ctx.http).delete(`/v1/jobs/${job.id}`).set(ALPHA).expect(200);
      expect(again.body).toEqual(cancelled.body);
    });

    it('refuses to cancel a completed job with 409 and leaves it completed', async () => {
      const job = (await submit(validJob()).expect(201)).body;
      const jobs = ctx.t.app.get(JobsRepository);
      for (const to of ['scheduled', 'running', 'completed'] as const) {
        await jobs.update(job.id, (j) => transition(j, to, DateTime.utc().toISO(), `test: ${to}`));
      }
      const res = await request(ctx.http).delete(`/v1/jobs/${job.id}`).set(ALPHA).expect(409);
      expect(res.body.type).toBe('urn:westwind:problem:job-finished');
      expect((await request(ctx.http).get(`/v1/jobs/${job.id}`).set(ALPHA).expect(200)).body.state).toBe('completed');
    });
  });

  it('writes every key of a job under the configured prefix', async () => {
    const job = (await submit(validJob()).expect(201)).body;
    const keys = await keysUnder(ctx.t.redis, '');
    const touching = [];
    for (const key of keys) {
      const type = await ctx.t.redis.type(key);
      const holds =
        type === 'string'
          ? (await ctx.t.redis.get(key))?.includes(job.id)
          : type === 'zset'
            ? (await ctx.t.redis.zscore(key, job.id)) !== null
            : false;
      if (holds || key.includes(job.id)) touching.push(key);
    }
    expect(touching.length).toBeGreaterThanOrEqual(4); // record, tenant index, state index, active set
    expect(touching.every((key) => key.startsWith(ctx.t.prefix))).toBe(true);
  });
});

/** A job's GET, the ids a list shows, and a submission, on a test app's HTTP server. */
function retentionHelpers(ctx: { http: App }) {
  return {
    get: (id: string) => request(ctx.http).get(`/v1/jobs/${id}`).set(ALPHA),
    listed: async (state?: string) =>
      (
        await request(ctx.http)
          .get(`/v1/jobs${state ? `?state=${state}` : ''}`)
          .set(ALPHA)
          .expect(200)
      ).body.items.map((j: { id: string }) => j.id),
    submit: async () =>
      (await request(ctx.http).post('/v1/jobs').set(ALPHA).send(validJob()).expect(201)).body as { id: string },
  };
}

describe('retention of finished jobs: pruning by cutoff', () => {
  // API only, with the default retention: no housekeeping runs here to prune before (or besides) the test.
  const ctx = useTestApp();
  const { get, listed, submit } = retentionHelpers(ctx);

  it('forgets a job that finished before the cutoff — record, lists and indexes — and nothing else', async () => {
    const jobs = ctx.t.app.get(JobsRepository);
    const old = await submit();
    await request(ctx.http).delete(`/v1/jobs/${old.id}`).set(ALPHA).expect(200);
    await new Promise((r) => setTimeout(r, 20));
    const cutoff = Date.now();
    await new Promise((r) => setTimeout(r, 20));
    const recent = await submit();
    await request(ctx.http).delete(`/v1/jobs/${recent.id}`).set(ALPHA).expect(200);
    const waiting = await submit();

    expect(await jobs.pruneFinished(cutoff)).toBe(1);
    await get(old.id).expect(404);
    expect(await listed()).not.toContain(old.id);
    expect(await listed('cancelled')).toEqual(expect.arrayContaining([recent.id]));
    expect(await listed('cancelled')).not.toContain(old.id);
    expect(await keysUnder(ctx.t.redis, `${ctx.t.prefix}job:${old.id}`)).toEqual([]);
    expect(await ctx.t.redis.zscore(`${ctx.t.prefix}jobs:finished`, old.id)).toBeNull();
    // The recent finished job and the waiting one are untouched; the waiting one is still active (to be planned).
    expect((await get(recent.id).expect(200)).body.state).toBe('cancelled');
    expect((await jobs.active()).map((j) => j.id)).toContain(waiting.id);
    expect(await jobs.pruneFinished(cutoff)).toBe(0);
  });
});

describe('retention of finished jobs: housekeeping', () => {
  const ctx = useTestApp({ roles: 'api,planner', configure: (config) => (config.retention.finishedJobs = 'PT2S') });
  const { get, submit } = retentionHelpers(ctx);

  it('housekeeping forgets finished jobs by itself once they are past the configured retention', async () => {
    const job = await submit();
    await request(ctx.http).delete(`/v1/jobs/${job.id}`).set(ALPHA).expect(200);
    await get(job.id).expect(200);
    // Retention PT2S: housekeeping runs every second (a quarter of the window, at least 1 s).
    await until(
      async () => (await get(job.id)).status,
      (status) => status === 404,
      10_000,
    );
  });
});
