import { DateTime } from 'luxon';
import request from 'supertest';
import { MAX_JSON_DEPTH } from '../../src/common/json-limits.js';
import { signedHeaders } from '../support/signed-webhook.js';
import { ALPHA, NW_GRID_SECRET, OPENADR, OPERATOR, snapshot, useTestApp } from '../support/test-app.js';

/**
 * Hostile input against the real app on the real Redis: JSON nested deeply enough to overflow a
 * recursive reader, prototype keys, and job names that hide or reorder what people read. Each is
 * refused with 400 problem+json on every route that reads JSON, nothing is stored, and the service
 * keeps answering.
 */

const JSON_TYPE = { 'content-type': 'application/json' };
const PROBLEM_TYPE = /^application\/problem\+json/;
const TOO_DEEP = 'urn:westwind:problem:json-too-deep';
const INVALID = 'urn:westwind:problem:invalid-request';
const RESERVED_MESSAGE = 'is a reserved name (__proto__, constructor, prototype) and is not accepted';

const now = DateTime.utc();
const iso = (dt: DateTime) => dt.toISO()!;
const deadline = iso(now.plus({ days: 2 }));
const job = (name = 'hostile-input-probe') => ({ name, gpus: 8, runtimeHours: 2, deadline });
const forecast = () => ({
  zone: 'west',
  issuedAt: iso(now.minus({ minutes: 1 })),
  resolution: 'PT1H',
  points: [0, 1, 2].map((h) => ({
    start: iso(now.startOf('hour').plus({ hours: h })),
    windMw: 100,
    solarMw: 10,
    loadMw: 500,
  })),
});
const openadrEvent = () => ({
  objectType: 'EVENT',
  operation: 'POST',
  object: {
    id: 'evt-hostile',
    programID: 'west-dr',
    intervalPeriod: { start: iso(now.plus({ days: 1 }).startOf('hour')), duration: 'PT1H' },
    intervals: [{ id: 0, payloads: [{ type: 'IMPORT_CAPACITY_LIMIT', values: [20] }] }],
  },
});

/** `depth` levels of `[` or `{"a":`, as JSON text (1 MiB holds 500,000 levels of arrays). */
const nested = (kind: 'array' | 'object', depth: number) =>
  kind === 'array' ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
/** A JSON object's text with one more member, written as text so any key (`__proto__`) and any value fit. */
const withMember = (body: object, key: string, valueJson: string) =>
  `${JSON.stringify(body).slice(0, -1)},${JSON.stringify(key)}:${valueJson}}`;

type Route = 'jobs' | 'jobs, idempotent' | 'forecast webhook' | 'openadr' | 'job events' | 'bull-board';

describe('hostile input', () => {
  const ctx = useTestApp();
  const post = (path: string) => request(ctx.http).post(path);
  /** Every JSON-reading route: how to send it a body (signed, for the webhook), and a valid body for it. */
  const routes: Record<Route, { send: (body: string) => request.Test; valid: () => object }> = {
    jobs: { send: (body) => post('/v1/jobs').set(ALPHA).set(JSON_TYPE).send(body), valid: job },
    'jobs, idempotent': {
      send: (body) =>
        post('/v1/jobs').set(ALPHA).set(JSON_TYPE).set('idempotency-key', `hostile-${body.length}`).send(body),
      valid: job,
    },
    'forecast webhook': {
      send: (body) => post('/v1/webhooks/forecasts').set(signedHeaders(NW_GRID_SECRET, body)).send(body),
      valid: forecast,
    },
    openadr: {
      send: (body) => post('/v1/webhooks/openadr').set(OPENADR).set(JSON_TYPE).send(body),
      valid: openadrEvent,
    },
    // Bodies are read before a route's authentication, so the site agents' route refuses them too.
    'job events': {
      send: (body) => post('/v1/jobs/some-job/events').set(JSON_TYPE).send(body),
      valid: () => ({ type: 'progress', doneHours: 1 }),
    },
    // bull-board parses its own bodies, but ours have been read (and checked) by then.
    'bull-board': {
      send: (body) => post('/queues/api/queues/planning/add').set(OPERATOR).set(JSON_TYPE).send(body),
      valid: () => ({ name: 'hostile', data: { reason: 'operator action' } }),
    },
  };
  const allRoutes = Object.keys(routes) as Route[];

  /** Sends each body, expects 400 problem+json matching `expected` for each, and the stored state unchanged. */
  async function expectRefused(cases: { route: Route; body: string }[], expected: Record<string, unknown>) {
    const before = await snapshot(ctx.t.redis, ctx.t.prefix);
    for (const { route, body } of cases) {
      const res = await routes[route].send(body);
      const contentType = res.headers['content-type'];
      const answered = { route, status: res.status, contentType, ...pick(res.body, expected) };
      expect(answered).toEqual({ route, status: 400, contentType: expect.stringMatching(PROBLEM_TYPE), ...expected });
    }
    expect(await snapshot(ctx.t.redis, ctx.t.prefix)).toEqual(before);
  }

  describe('deeply nested JSON', () => {
    it('100,000 levels (within 1 MiB) on every JSON route: 400 json-too-deep, nothing stored', async () => {
      // The whole body, and the same depth inside an otherwise valid body.
      const cases = allRoutes.flatMap((route) =>
        (['array', 'object'] as const).flatMap((kind) => [
          { route, body: nested(kind, 100_000) },
          { route, body: withMember(routes[route].valid(), 'x', nested(kind, 100_000)) },
        ]),
      );
      expect(Math.max(...cases.map((c) => Buffer.byteLength(c.body)))).toBeLessThanOrEqual(1024 * 1024);
      await expectRefused(cases, { type: TOO_DEEP, maxDepth: MAX_JSON_DEPTH });
    });

    it(`the limit is ${MAX_JSON_DEPTH} levels: one more is too deep, ${MAX_JSON_DEPTH} reach validation`, async () => {
      // The job object is the first level; the extra field's arrays add the rest.
      await expectRefused([{ route: 'jobs', body: withMember(job(), 'x', nested('array', MAX_JSON_DEPTH)) }], {
        type: TOO_DEEP,
      });
      const atLimit = await routes.jobs.send(withMember(job(), 'x', nested('array', MAX_JSON_DEPTH - 1))).expect(400);
      const unknownField = { field: 'x', message: 'property x should not exist' };
      expect(atLimit.body).toMatchObject({ type: INVALID, errors: [unknownField] });
    });

    it('brackets inside strings are text, not nesting: a name of 150 brackets is a valid job', async () => {
      const name = `\\"${'['.repeat(100)}${'{'.repeat(50)}`;
      const res = await routes.jobs.send(JSON.stringify(job(name))).expect(201);
      expect(res.body.name).toBe(name);
    });

    it('a JSON body in another charset than UTF-8 is 415 (the depth scan reads UTF-8), nothing stored', async () => {
      const before = await snapshot(ctx.t.redis, ctx.t.prefix);
      const body = Buffer.from(withMember(job(), 'x', nested('array', 100_000)), 'utf16le');
      const utf16 = { 'content-type': 'application/json; charset=utf-16le' };
      const res = await post('/v1/jobs').set(ALPHA).set(utf16).send(body);
      const refused = { status: 415, type: 'urn:westwind:problem:unsupported-charset' };
      expect({ status: res.status, type: res.body.type }).toEqual(refused);
      expect(res.headers['content-type']).toMatch(PROBLEM_TYPE);
      expect(await snapshot(ctx.t.redis, ctx.t.prefix)).toEqual(before);
    });

    it('the service keeps answering: 20 deep bodies at once, then a health check and a valid job', async () => {
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          routes[i % 2 ? 'jobs' : 'forecast webhook'].send(nested(i % 4 < 2 ? 'array' : 'object', 100_000)),
        ),
      );
      expect(answers.map((r) => r.status)).toEqual(Array(20).fill(400));
      await request(ctx.http).get('/health').expect(200);
      await routes.jobs.send(JSON.stringify(job('after-the-storm'))).expect(201);
    });
  });

  describe('prototype keys', () => {
    it.each(['__proto__', 'constructor', 'prototype'])(
      '%s, at the top or nested, on every JSON route: 400 naming the field, nothing stored',
      async (key) => {
        const polluting = '{"isAdmin":true,"gpus":1}';
        const member = `"${key}":${polluting}`;
        const inPoint = JSON.stringify(forecast()).replace('"windMw":100', `${member},"windMw":100`);
        const inPayload = JSON.stringify(openadrEvent()).replace('"values":[20]', `"values":[20],${member}`);
        await expectRefused(
          [
            ...allRoutes.map((route) => ({ route, body: withMember(routes[route].valid(), key, polluting) })),
            { route: 'forecast webhook', body: inPoint },
            { route: 'openadr', body: inPayload },
            { route: 'jobs', body: withMember(job(), 'sites', `[{"${key}":"west-hub"}]`) },
          ],
          { type: INVALID },
        );
        const nestedAnswer = await routes['forecast webhook'].send(inPoint).expect(400);
        expect(nestedAnswer.body.errors).toEqual([{ field: `points[0].${key}`, message: RESERVED_MESSAGE }]);
        const topAnswer = await routes.jobs.send(withMember(job(), key, polluting)).expect(400);
        expect(topAnswer.body.errors).toEqual([{ field: key, message: RESERVED_MESSAGE }]);
      },
    );

    it('the same words as values are fine: a job named "constructor" is accepted', async () => {
      const res = await routes.jobs.send(JSON.stringify(job('constructor'))).expect(201);
      expect(res.body.name).toBe('constructor');
    });
  });

  describe('job names', () => {
    const bidi = (code: string) => `must not contain a bidirectional control (U+${code})`;
    const control = (code: string) => `must not contain a control character (U+${code})`;
    const invisible = 'must contain a visible character, not only whitespace';
    it.each([
      ['a right-to-left override', 'x\u202Eevil', bidi('202E')],
      ['a left-to-right embedding', 'x\u202Aevil', bidi('202A')],
      ['an isolate', '\u2067evil\u2069', bidi('2067')],
      ['a right-to-left mark', 'evil\u200F', bidi('200F')],
      ['a NUL', 'evil\u0000', control('0000')],
      ['a newline (log forging)', 'ok\nlevel=error msg=forged', control('000A')],
      ['an ANSI escape', '\u001b[2Jwiped', control('001B')],
      ['a C1 control', 'evil\u0085', control('0085')],
      ['only spaces', '    ', invisible],
      ['only no-break and ideographic spaces', '\u00A0\u3000', invisible],
      ['only zero-width spaces', '\u200B\u200B', invisible],
    ])('%s is refused with a field error on name, nothing stored', async (_what, name, message) => {
      await expectRefused([{ route: 'jobs', body: JSON.stringify(job(name)) }], {
        type: INVALID,
        errors: [{ field: 'name', message }],
        detail: `name: ${message}`,
      });
    });

    it('names in any script, with emoji and inner spaces, are accepted unchanged', async () => {
      for (const name of ['Llama 8B (run 2) ✓', '训练任务 东数西算', 'شبكة الرياح', 'emoji 😀 👩‍💻']) {
        const res = await routes.jobs.send(JSON.stringify(job(name))).expect(201);
        expect(res.body.name).toBe(name);
      }
    });
  });
});

/** The fields of `body` that `expected` names, so a mismatch shows what was answered. */
function pick(body: Record<string, unknown>, expected: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.keys(expected).map((key) => [key, body?.[key]]));
}
