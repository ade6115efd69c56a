import fc from 'fast-check';
import { DateTime } from 'luxon';
import type { AddressInfo } from 'node:net';
import { MAX_JSON_DEPTH } from '../../src/common/json-limits.js';
import { signedHeaders } from '../support/signed-webhook.js';
import { ALPHA, BETA, NW_GRID_SECRET, OPENADR, OPERATOR, snapshot, useTestApp } from '../support/test-app.js';

/**
 * Bad input at scale: 10,000 generated requests (fast-check, fixed seed) to every public endpoint
 * that takes input — job submission, forecast webhook, OpenADR, CSV upload, job events, cancel,
 * listing — each a valid request with one thing made wrong, or no valid request at all, including
 * hostile shapes (JSON nested past the limit, prototype keys, job names with control or
 * bidirectional characters or nothing visible). Every one
 * must be refused with a 4xx problem+json (never a 5xx, never a 2xx; an OpenADR notification of an
 * object type that does not affect scheduling is acknowledged as ignored), the service must stay
 * up, and the stored state must be exactly what it was before.
 */
const REQUESTS = 10_000;
const SEED = 20261129;

interface FuzzRequest {
  label: string;
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  headers: Record<string, string>;
  body?: string;
}

const now = DateTime.utc();
const iso = (dt: DateTime) => dt.toISO()!;
const JSON_TYPE = { 'content-type': 'application/json' };
const junk = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 2 }),
);
/** Anything but the given JSON type (null is left out: optional fields take it as absent). */
const not = (type: 'string' | 'number' | 'boolean') => junk.filter((v) => typeof v !== type);
const notInstant = fc.oneof(
  not('string'),
  fc.string({ maxLength: 30 }).filter((s) => !/^\d{4}-\d{2}-\d{2}T/.test(s)),
  fc.constant('2026-12-01T10:00:00'),
  fc.constant('2026-02-30T10:00:00Z'),
);
const unknownKey = fc
  .string({ minLength: 1, maxLength: 12 })
  .filter((k) => /^[a-z]+$/i.test(k) && !['name', 'gpus', 'zone', 'points', 'start', 'type'].includes(k))
  .map((k) => `x${k}`);

// --- job submission: one field made wrong ---------------------------------------------------------
const validJob = () => ({ name: 'fuzz-job', gpus: 8, runtimeHours: 2, deadline: iso(now.plus({ days: 2 })) });
const badJobField: Record<string, fc.Arbitrary<unknown>> = {
  name: fc.oneof(fc.constant(''), fc.string({ minLength: 201, maxLength: 260 }), not('string')),
  gpus: fc.oneof(
    fc.integer({ max: 0 }),
    fc.integer({ min: 513, max: 10_000_000 }),
    fc.double({ min: 1.01, max: 50, noNaN: true }).filter((x) => !Number.isInteger(x)),
    not('number'),
  ),
  runtimeHours: fc.oneof(
    fc.double({ max: 0.01, noNaN: true, noDefaultInfinity: true }),
    fc.double({ min: 9000, max: 1e12, noNaN: true, noDefaultInfinity: true }),
    not('number'),
  ),
  deadline: fc.oneof(notInstant, fc.constant(iso(now.minus({ hours: 1 }))), fc.constant(iso(now.plus({ days: 400 })))),
  earliestStart: notInstant,
  deferrable: not('boolean'),
  interruptible: not('boolean'),
  acceptLate: not('boolean'),
  checkpointMinutes: fc.oneof(fc.integer({ min: 1441 }), fc.integer({ max: -1 }), not('number')),
  priority: fc.oneof(fc.integer({ min: 10 }), fc.integer({ max: -1 }), fc.constant(4.5), not('number')),
  sites: fc.oneof(
    fc.constant([]),
    fc.array(fc.string({ maxLength: 10 }), { minLength: 1, maxLength: 3 }),
    not('string'),
  ),
  dataRegion: fc.oneof(
    fc.string({ maxLength: 12 }).filter((s) => s !== 'shanghai'),
    not('string'),
  ),
  datasetGb: fc.oneof(fc.double({ max: -0.001, noNaN: true, noDefaultInfinity: true }), not('number')),
  callbackUrl: fc.oneof(fc.string({ maxLength: 30 }), fc.constant('ftp://example.com/x'), not('string')),
};
const jobBody = fc.oneof(
  fc
    .constantFrom(...Object.keys(badJobField))
    .chain((field) => badJobField[field].map((value) => ({ ...validJob(), [field]: value }))),
  fc.constantFrom('name', 'gpus', 'runtimeHours', 'deadline').map((field) => {
    const job: Record<string, unknown> = validJob();
    delete job[field];
    return job;
  }),
  unknownKey.chain((key) => junk.map((value) => ({ ...validJob(), [key]: value }))),
);
const jobs: fc.Arbitrary<FuzzRequest> = fc.oneof(
  {
    weight: 6,
    arbitrary: jobBody.map((body) => ({
      label: 'job: bad field',
      method: 'POST' as const,
      path: '/v1/jobs',
      headers: { ...ALPHA, ...JSON_TYPE },
      body: JSON.stringify(body),
    })),
  },
  {
    weight: 1,
    arbitrary: fc
      .oneof(fc.jsonValue(), fc.constant([]))
      .filter((v) => typeof v !== 'object' || v === null || Array.isArray(v))
      .map((body) => ({
        label: 'job: not an object',
        method: 'POST' as const,
        path: '/v1/jobs',
        headers: { ...ALPHA, ...JSON_TYPE },
        body: JSON.stringify(body),
      })),
  },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 1, max: 60 }).map((cut) => ({
      label: 'job: malformed JSON',
      method: 'POST' as const,
      path: '/v1/jobs',
      headers: { ...ALPHA, ...JSON_TYPE },
      body: JSON.stringify(validJob()).slice(0, cut),
    })),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom<Record<string, string>>(
        {},
        { authorization: 'Bearer not-a-key-at-all-000' },
        { authorization: 'Basic YWxwaGE6YWxwaGE=' },
        OPERATOR,
      )
      .map((auth) => ({
        label: 'job: not a tenant',
        method: 'POST' as const,
        path: '/v1/jobs',
        headers: { ...auth, ...JSON_TYPE },
        body: JSON.stringify(validJob()),
      })),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'text/csv').map((type) => ({
      label: 'job: wrong media type',
      method: 'POST' as const,
      path: '/v1/jobs',
      headers: { ...ALPHA, 'content-type': type },
      body: 'name=fuzz&gpus=8',
    })),
  },
  {
    weight: 1,
    arbitrary: fc.string({ minLength: 1, maxLength: 30 }).map((key) => ({
      label: 'job: bad field + idempotency key',
      method: 'POST' as const,
      path: '/v1/jobs',
      headers: { ...ALPHA, ...JSON_TYPE, 'idempotency-key': `fuzz-${key.replace(/[^\x21-\x7e]/g, 'x')}` },
      body: JSON.stringify({ ...validJob(), gpus: 0 }),
    })),
  },
);

// --- forecast webhook: signed by a real sender, one thing wrong --------------------------------------
const validForecast = () => ({
  zone: 'west',
  issuedAt: iso(now.minus({ minutes: 1 })),
  resolution: 'PT1H',
  points: Array.from({ length: 6 }, (_, i) => ({
    start: iso(now.startOf('hour').plus({ hours: i })),
    windMw: 100,
    solarMw: 10,
    loadMw: 500,
  })),
});
const badPoint = fc
  .record({
    index: fc.integer({ min: 0, max: 5 }),
    field: fc.constantFrom('start', 'windMw', 'solarMw', 'loadMw', 'carbonGPerKwh'),
    value: junk,
  })
  .filter(({ field, value }) =>
    field === 'start' ? typeof value !== 'string' || !value.includes('T') : typeof value !== 'number' || value < 0,
  );
const forecastBody = fc.oneof(
  badPoint.map(({ index, field, value }) => {
    const f = validForecast();
    (f.points[index] as Record<string, unknown>)[field] = value;
    return f;
  }),
  fc.constantFrom('de', 'nowhere', '').map((zone) => ({ ...validForecast(), zone })),
  fc.oneof(notInstant, fc.constant(iso(now.plus({ hours: 2 })))).map((issuedAt) => ({ ...validForecast(), issuedAt })),
  fc
    .oneof(fc.constantFrom('PT5M', 'P1D', 'hourly', ''), not('string'))
    .map((resolution) => ({ ...validForecast(), resolution })),
  fc.constant({ ...validForecast(), points: [] }),
  unknownKey.map((key) => ({ ...validForecast(), [key]: 1 })),
  fc.jsonValue().filter((v) => typeof v !== 'object' || v === null || Array.isArray(v)),
);
const forecasts: fc.Arbitrary<FuzzRequest> = fc.oneof(
  {
    weight: 5,
    arbitrary: forecastBody.map((body) => ({
      label: 'forecast: bad body, good signature',
      method: 'POST' as const,
      path: '/v1/webhooks/forecasts',
      ...signed(JSON.stringify(body)),
    })),
  },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 1, max: 80 }).map((cut) => ({
      label: 'forecast: malformed JSON',
      method: 'POST' as const,
      path: '/v1/webhooks/forecasts',
      ...signed(JSON.stringify(validForecast()).slice(0, cut)),
    })),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom('other secret', 'no signature', 'stale', 'tampered').map((kind) => {
      const body = JSON.stringify(validForecast());
      const headers: Record<string, string> =
        kind === 'other secret'
          ? signedHeaders('whsec_ZnV6ei1vdGhlci1zZWNyZXQtMDAwMDAwMDA=', body)
          : kind === 'stale'
            ? signedHeaders(NW_GRID_SECRET, body, { at: now.minus({ minutes: 30 }).toJSDate() })
            : kind === 'no signature'
              ? JSON_TYPE
              : signedHeaders(NW_GRID_SECRET, body.replace('"windMw":100', '"windMw":999'));
      return { label: `forecast: ${kind}`, method: 'POST' as const, path: '/v1/webhooks/forecasts', headers, body };
    }),
  },
);
function signed(body: string): { headers: Record<string, string>; body: string } {
  return { headers: signedHeaders(NW_GRID_SECRET, body), body };
}

// --- OpenADR 3 notifications -------------------------------------------------------------------------
const openadrBody = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.record({
    objectType: fc.constantFrom('EVENT', 'PROGRAM', 'REPORT', 'x'),
    operation: fc.constantFrom('POST', 'PUT', 'DELETE', 'GET', 'x'),
    object: fc.jsonValue({ maxDepth: 2 }),
  }),
  fc.record({
    objectType: fc.constant('EVENT'),
    operation: fc.constantFrom('POST', 'PUT'),
    object: fc.record({
      id: fc.string({ maxLength: 8 }),
      programID: fc.constantFrom('west-dr', 'west-peak', 'unknown'),
      intervals: fc.array(fc.record({ id: junk, intervalPeriod: junk, payloads: junk }), {
        minLength: 1,
        maxLength: 2,
      }),
    }),
  }),
);
const openadr: fc.Arbitrary<FuzzRequest> = fc.oneof(
  {
    weight: 4,
    arbitrary: openadrBody.map((body) => ({
      label: 'openadr: bad notification',
      method: 'POST' as const,
      path: '/v1/webhooks/openadr',
      headers: { ...OPENADR, ...JSON_TYPE },
      body: JSON.stringify(body),
    })),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom<Record<string, string>>({}, { authorization: 'Bearer openadr-token-wrong-0001' }, ALPHA)
      .map((auth) => ({
        label: 'openadr: not a VTN',
        method: 'POST' as const,
        path: '/v1/webhooks/openadr',
        headers: { ...auth, ...JSON_TYPE },
        body: '{}',
      })),
  },
);

// --- operator CSV upload -------------------------------------------------------------------------------
const goodRow = (h: number) => `${iso(now.startOf('hour').plus({ hours: h }))},100,10,500`;
const csvBody = fc.oneof(
  fc
    .tuple(fc.integer({ min: 0, max: 4 }), fc.constantFrom('-5', 'abc', '', '1e999', 'NaN'))
    .map(([bad, value]) =>
      [
        'start,windMw,solarMw,loadMw',
        ...[0, 1, 2, 3, 4].map((h) => (h === bad ? goodRow(h).replace(',100,', `,${value},`) : goodRow(h))),
      ].join('\n'),
    ),
  fc.array(fc.string({ maxLength: 40 }), { maxLength: 5 }).map((lines) => lines.join('\n')),
  fc.constant('start,windMw,loadMw\n' + goodRow(0)),
  fc.constant('start,windMw,solarMw,loadMw\n'),
);
const csv: fc.Arbitrary<FuzzRequest> = fc.oneof(
  {
    weight: 4,
    arbitrary: csvBody.map((body) => ({
      label: 'csv: bad file',
      method: 'POST' as const,
      path: '/v1/zones/west/forecasts.csv',
      headers: { ...OPERATOR, 'content-type': 'text/csv' },
      body,
    })),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom('nowhere', 'WEST', '..%2F..', 'west%00').map((zone) => ({
      label: 'csv: unknown zone',
      method: 'POST' as const,
      path: `/v1/zones/${zone}/forecasts.csv`,
      headers: { ...OPERATOR, 'content-type': 'text/csv' },
      body: `start,windMw,solarMw,loadMw\n${goodRow(0)}`,
    })),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom<Record<string, string>>({}, ALPHA, { authorization: 'Bearer watcher-key-0000000001' })
      .map((auth) => ({
        label: 'csv: not an uploader',
        method: 'POST' as const,
        path: '/v1/zones/west/forecasts.csv',
        headers: { ...auth, 'content-type': 'text/csv' },
        body: `start,windMw,solarMw,loadMw\n${goodRow(0)}`,
      })),
  },
);

// --- hostile shapes: deep nesting, prototype keys, names that hide or reorder what people read -------------
const reservedKey = fc.constantFrom('__proto__', 'constructor', 'prototype');
/** JSON text nested past the limit: mostly just past it, sometimes 100,000 levels (still within 1 MiB). */
const deepJson = fc
  .tuple(
    fc.boolean(),
    fc.oneof(
      { weight: 9, arbitrary: fc.integer({ min: MAX_JSON_DEPTH + 1, max: 2000 }) },
      { weight: 1, arbitrary: fc.constantFrom(10_000, 100_000) },
    ),
  )
  .map(([arrays, depth]) =>
    arrays ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth),
  );
/**
 * A valid body's JSON text with one more member, `"key":value`, in one of its objects (the `at`-th,
 * wrapping around). Written as text, so `__proto__` stays a key; the valid bodies have no `{` in strings.
 */
const withMember = (body: object, at: number, key: string, valueJson: string) => {
  const text = JSON.stringify(body);
  const objects = [...text.matchAll(/\{/g)].map((m) => m.index);
  const open = objects[at % objects.length];
  return `${text.slice(0, open + 1)}${JSON.stringify(key)}:${valueJson},${text.slice(open + 1)}`;
};
/** A body with a reserved key in one of its objects, or nested past the depth limit (in a field or as a whole). */
const hostileBody = (valid: () => object) =>
  fc.oneof(
    fc.tuple(fc.nat(), reservedKey, fc.constantFrom('{"isAdmin":true}', '1', '{}', '[]')).map(([at, key, value]) => ({
      shape: 'prototype key',
      body: withMember(valid(), at, key, value),
    })),
    fc.tuple(fc.nat(), deepJson).map(([at, deep]) => ({
      shape: 'deep nesting',
      body: withMember(valid(), at, 'deep', deep),
    })),
    deepJson.map((deep) => ({ shape: 'deep nesting', body: deep })),
  );
const hiddenChar = fc
  .oneof(
    fc.integer({ min: 0, max: 0x1f }),
    fc.integer({ min: 0x7f, max: 0x9f }),
    fc.constantFrom(0x061c, 0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069),
    fc.integer({ min: 0xd800, max: 0xdfff }),
  )
  .map((code) => String.fromCharCode(code));
const invisibleOnly = fc
  .array(fc.constantFrom(' ', '\u00a0', '\u2003', '\u3000', '\u200b', '\ufeff'), { maxLength: 10 })
  .map((chars) => chars.join(''));
const hostileName = fc.oneof(
  fc
    .tuple(fc.string({ maxLength: 20 }), hiddenChar, fc.string({ maxLength: 20 }))
    .map(([before, hidden, after]) => before + hidden + after),
  invisibleOnly,
);
const validOpenAdr = () => ({
  objectType: 'EVENT',
  operation: 'POST',
  object: {
    id: 'fuzz-event',
    programID: 'west-dr',
    intervalPeriod: { start: iso(now.plus({ days: 1 }).startOf('hour')), duration: 'PT1H' },
    intervals: [{ id: 0, payloads: [{ type: 'IMPORT_CAPACITY_LIMIT', values: [20] }] }],
  },
});
const post = (label: string, path: string, headers: Record<string, string>, body: string): FuzzRequest => ({
  label,
  method: 'POST',
  path,
  headers,
  body,
});
const hostile: fc.Arbitrary<FuzzRequest> = fc.oneof(
  hostileName.map((name) =>
    post('job: hostile name', '/v1/jobs', { ...ALPHA, ...JSON_TYPE }, JSON.stringify({ ...validJob(), name })),
  ),
  hostileBody(validJob).map(({ shape, body }) => post(`job: ${shape}`, '/v1/jobs', { ...ALPHA, ...JSON_TYPE }, body)),
  hostileBody(validForecast).map(({ shape, body }) => {
    const request = signed(body);
    return post(`forecast: ${shape}, good signature`, '/v1/webhooks/forecasts', request.headers, request.body);
  }),
  hostileBody(validOpenAdr).map(({ shape, body }) =>
    post(`openadr: ${shape}`, '/v1/webhooks/openadr', { ...OPENADR, ...JSON_TYPE }, body),
  ),
);

// --- job events, cancel and listing --------------------------------------------------------------------
const jobId = fc.oneof(fc.uuid(), fc.string({ minLength: 1, maxLength: 20 }).map(encodeURIComponent));
const others = (existing: string): fc.Arbitrary<FuzzRequest> =>
  fc.oneof(
    fc
      .tuple(
        fc.oneof(jobId, fc.constant(existing)),
        fc.jsonValue({ maxDepth: 2 }),
        fc.constantFrom<Record<string, string>>({}, ALPHA, OPERATOR, {
          authorization: 'Bearer some-agent-key-00000001',
        }),
      )
      .map(([id, body, auth]) => ({
        label: 'job event: not a site agent / unknown job',
        method: 'POST' as const,
        path: `/v1/jobs/${id}/events`,
        headers: { ...auth, ...JSON_TYPE },
        body: JSON.stringify(body),
      })),
    fc
      .tuple(fc.oneof(jobId, fc.constant(existing)), fc.constantFrom<Record<string, string>>({}, BETA, OPERATOR))
      .map(([id, auth]) => ({
        label: 'cancel: unknown or foreign job',
        method: 'DELETE' as const,
        path: `/v1/jobs/${id}`,
        headers: auth,
      })),
    fc
      .record({
        limit: fc.oneof(fc.integer({ max: 0 }), fc.integer({ min: 101 }), fc.string({ maxLength: 5 })),
        state: fc.string({ maxLength: 8 }),
      })
      .map((q) => ({
        label: 'list: bad query',
        method: 'GET' as const,
        path: `/v1/jobs?limit=${encodeURIComponent(String(q.limit))}&state=x${encodeURIComponent(q.state)}`,
        headers: ALPHA,
      })),
  );

describe(`fuzz: ${REQUESTS.toLocaleString('en-US')} generated bad requests to every public endpoint`, () => {
  const ctx = useTestApp();
  let base: string;
  let existing: string;

  beforeAll(async () => {
    const server = ctx.t.app.getHttpServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // Something stored beforehand, so refused requests have state to corrupt: a job and a forecast.
    const job = await fetch(`${base}/v1/jobs`, {
      method: 'POST',
      headers: { ...ALPHA, ...JSON_TYPE },
      body: JSON.stringify(validJob()),
    });
    expect(job.status).toBe(201);
    existing = ((await job.json()) as { id: string }).id;
    const body = JSON.stringify(validForecast());
    expect(
      (
        await fetch(`${base}/v1/webhooks/forecasts`, {
          method: 'POST',
          headers: signedHeaders(NW_GRID_SECRET, body),
          body,
        })
      ).status,
    ).toBe(200);
  });

  it('refuses every one with a 4xx problem+json, stays up, and changes nothing', async () => {
    const all = fc.sample(
      fc.oneof(
        { weight: 8, arbitrary: jobs },
        { weight: 4, arbitrary: forecasts },
        { weight: 3, arbitrary: openadr },
        { weight: 2, arbitrary: csv },
        { weight: 3, arbitrary: others(existing) },
        { weight: 3, arbitrary: hostile },
      ),
      { numRuns: REQUESTS, seed: SEED },
    );
    const before = await snapshot(ctx.t.redis, ctx.t.prefix);
    const wrong: string[] = [];
    const byLabel = new Map<string, number>();
    const send = async (r: FuzzRequest) => {
      byLabel.set(r.label, (byLabel.get(r.label) ?? 0) + 1);
      const res = await fetch(base + r.path, { method: r.method, headers: r.headers, body: r.body });
      const text = await res.text();
      const problem = res.headers.get('content-type')?.startsWith('application/problem+json');
      // OpenADR VTNs send every object type they have; those that do not affect scheduling are
      // acknowledged, not refused.
      const ignored = r.path === '/v1/webhooks/openadr' && res.status === 200 && /"ignored":true/.test(text);
      if (!ignored && (res.status < 400 || res.status >= 500 || !problem))
        wrong.push(
          `${res.status} ${r.label}: ${r.method} ${r.path} ${r.body?.slice(0, 200) ?? ''} → ${text.slice(0, 200)}`,
        );
    };
    // Eight at a time, as clients would; the state is compared every 2,000 requests and at the end.
    for (let from = 0; from < all.length; from += 2000) {
      const batch = all.slice(from, from + 2000);
      for (let i = 0; i < batch.length; i += 8) await Promise.all(batch.slice(i, i + 8).map(send));
      expect(wrong.slice(0, 10)).toEqual([]);
      expect(await snapshot(ctx.t.redis, ctx.t.prefix)).toEqual(before);
    }
    expect((await fetch(`${base}/health`)).status).toBe(200);
    // Every kind of bad request was tried, many times.
    expect(byLabel.size).toBeGreaterThanOrEqual(27);
    for (const count of byLabel.values()) expect(count).toBeGreaterThan(20);
  }, 240_000);
});
