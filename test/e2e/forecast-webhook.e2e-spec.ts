import { DateTime } from 'luxon';
import request from 'supertest';
import { SignalsChanged, SignalsService } from '../../src/signals/signals.service.js';
import { signedHeaders } from '../support/signed-webhook.js';
import {
  ALPHA,
  DE_DESK_SECRET,
  NW_GRID_ROTATED_SECRET,
  NW_GRID_SECRET,
  OPERATOR,
  snapshot,
  useTestApp,
} from '../support/test-app.js';

const thisHour = DateTime.utc().startOf('hour');

/** An hourly (or finer) forecast for `count` intervals from `start`. */
function forecast(
  fields: {
    zone?: string;
    issuedAt?: DateTime;
    resolution?: string;
    start?: DateTime;
    count?: number;
    wind?: (i: number) => number;
  } = {},
) {
  const resolution = fields.resolution ?? 'PT1H';
  const step = { PT15M: 15, PT30M: 30, PT1H: 60 }[resolution] ?? 60;
  const start = fields.start ?? thisHour;
  return {
    zone: fields.zone ?? 'west',
    issuedAt: (fields.issuedAt ?? DateTime.utc().minus({ minutes: 1 })).toISO(),
    resolution,
    points: Array.from({ length: fields.count ?? 24 }, (_, i) => ({
      start: start
        .plus({ minutes: i * step })
        .setZone('Asia/Shanghai')
        .toISO(),
      windMw: fields.wind ? fields.wind(i) : 1000 + i,
      solarMw: 200,
      loadMw: 900,
    })),
  };
}

describe('forecast webhook (Standard Webhooks, real app, real Redis)', () => {
  const ctx = useTestApp();
  const events: SignalsChanged[] = [];
  beforeAll(() => ctx.t.app.get(SignalsService).changes.subscribe((e) => events.push(e)));

  const push = (body: unknown, secret = NW_GRID_SECRET, options: { id?: string; at?: Date } = {}) => {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    return request(ctx.http)
      .post('/v1/webhooks/forecasts')
      .set(signedHeaders(secret, text, options))
      .send(text);
  };
  const signals = (zone: string, from: DateTime, hours: number) =>
    request(ctx.http)
      .get(`/v1/zones/${zone}/signals`)
      .query({ from: from.toISO(), to: from.plus({ hours }).toISO() })
      .set(ALPHA);

  it('stores a signed forecast and shows it, with derived fields, in the signals endpoint', async () => {
    const before = events.length;
    const res = await push(forecast()).expect(200);
    expect(res.body).toMatchObject({ zone: 'west', hours: 24, from: thisHour.toISO() });
    expect(events.slice(before)).toEqual([{ zone: 'west', from: res.body.from, to: res.body.to }]);

    const got = (await signals('west', thisHour, 24).expect(200)).body;
    expect(got.hours).toHaveLength(24);
    expect(got.hours[3]).toMatchObject({
      start: thisHour.plus({ hours: 3 }).toISO(),
      renewableMw: 1203,
      surplusMw: 303,
      forecast: { windMw: 1003, solarMw: 200, loadMw: 900 },
    });
    // 17:00–22:00 Asia/Shanghai is peak in this zone
    for (const hour of got.hours)
      expect(hour.peak).toBe(
        DateTime.fromISO(hour.start).setZone('Asia/Shanghai').hour >= 17 &&
          DateTime.fromISO(hour.start).setZone('Asia/Shanghai').hour < 22,
      );
    const hub = got.sites.find((s: { id: string }) => s.id === 'west-hub');
    // 0.001 × 1203 + 0.01 × 303 MW, capped at 512 × 0.7 × 1.2 / 1000 = 0.43 MW
    expect(hub.hours[3].greenMw).toBeCloseTo(Math.min(0.43008, 0.001 * 1203 + 0.01 * 303), 9);
    expect(got.sites.find((s: { id: string }) => s.id === 'east-edge').hours[0].importCapMw).toBe(0.05);

    const zones = (await request(ctx.http).get('/v1/zones').set(OPERATOR).expect(200)).body;
    expect(zones.find((z: { id: string }) => z.id === 'west')).toMatchObject({
      hoursCovered: 24,
      firstHour: thisHour.toISO(),
      latestIssuedAt: expect.any(String),
    });
  });

  it('accepts any of a sender’s secrets (rotation) and any of several signatures', async () => {
    const body = JSON.stringify(forecast({ start: thisHour.plus({ days: 2 }) }));
    await push(body, NW_GRID_ROTATED_SECRET).expect(200);
    const headers = signedHeaders(NW_GRID_SECRET, body);
    headers['webhook-signature'] = `v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= ${headers['webhook-signature']}`;
    await request(ctx.http).post('/v1/webhooks/forecasts').set(headers).send(body).expect(200);
  });

  it('a repeated webhook-id returns the first answer and stores nothing new', async () => {
    const body = forecast({ start: thisHour.plus({ days: 3 }) });
    const first = await push(body, NW_GRID_SECRET, { id: 'msg_replayed' }).expect(200);
    const before = await snapshot(ctx.t.redis, ctx.t.prefix);
    const eventsBefore = events.length;
    const again = await push(body, NW_GRID_SECRET, { id: 'msg_replayed' }).expect(200);
    expect(again.body).toEqual(first.body);
    expect(again.headers['webhook-replayed']).toBe('true');
    expect(await snapshot(ctx.t.redis, ctx.t.prefix)).toEqual(before);
    expect(events.length).toBe(eventsBefore);
  });

  it('a newer revision replaces older values; a late, older one changes nothing but is kept for audit', async () => {
    const start = thisHour.plus({ days: 5 });
    await push(forecast({ start, count: 4, issuedAt: DateTime.utc().minus({ hours: 2 }), wind: () => 100 })).expect(
      200,
    );
    await push(
      forecast({
        start: start.plus({ hours: 2 }),
        count: 4,
        issuedAt: DateTime.utc().minus({ hours: 1 }),
        wind: () => 200,
      }),
    ).expect(200);
    const auditBefore = await ctx.t.redis.xlen(`${ctx.t.prefix}zone:west:forecasts`);
    await push(forecast({ start, count: 6, issuedAt: DateTime.utc().minus({ hours: 3 }), wind: () => 999 })).expect(
      200,
    );
    expect(await ctx.t.redis.xlen(`${ctx.t.prefix}zone:west:forecasts`)).toBe(auditBefore + 1);
    const got = (await signals('west', start, 6).expect(200)).body;
    expect(got.hours.map((h: { forecast: { windMw: number } | null }) => h.forecast?.windMw)).toEqual([
      100, 100, 200, 200, 200, 200,
    ]);
  });

  it('averages PT15M and PT30M forecasts to hours', async () => {
    const start = thisHour.plus({ days: 7 });
    await push(forecast({ start, resolution: 'PT15M', count: 8, wind: (i) => i * 10 })).expect(200);
    const got = (await signals('west', start, 2).expect(200)).body;
    expect(got.hours.map((h: { forecast: { windMw: number } }) => h.forecast.windMw)).toEqual([15, 55]);
  });

  it('forgets forecast hours older than 30 days, keeping the rest', async () => {
    const old = thisHour.minus({ days: 40 });
    await push(forecast({ start: old, count: 3 })).expect(200);
    const pruned = await ctx.t.app.get(SignalsService).prune();
    expect(pruned.hours).toBe(3);
    expect(
      (await signals('west', old, 3).expect(200)).body.hours.every((h: { forecast: unknown }) => h.forecast === null),
    ).toBe(true);
    expect((await signals('west', thisHour, 1).expect(200)).body.hours[0].forecast).not.toBeNull();
  });

  describe('bad deliveries get a clear 4xx and store nothing', () => {
    const valid = () => JSON.stringify(forecast({ start: thisHour.plus({ days: 9 }) }));
    const send = (headers: Record<string, string>, body: string) =>
      request(ctx.http).post('/v1/webhooks/forecasts').set(headers).send(body);
    const cases: Array<[string, () => request.Test, number, string?]> = [
      ['no signature headers', () => send({ 'content-type': 'application/json' }, valid()), 401],
      [
        'a wrong signature',
        () =>
          send(
            {
              ...signedHeaders(NW_GRID_SECRET, valid()),
              'webhook-signature': 'v1,' + Buffer.alloc(32).toString('base64'),
            },
            valid(),
          ),
        401,
      ],
      [
        'a malformed signature',
        () => send({ ...signedHeaders(NW_GRID_SECRET, valid()), 'webhook-signature': 'garbage' }, valid()),
        401,
      ],
      [
        'a body changed after signing',
        () => send(signedHeaders(NW_GRID_SECRET, valid()), valid().replace('"west"', '"west" ')),
        401,
      ],
      ['a stale timestamp', () => push(valid(), NW_GRID_SECRET, { at: new Date(Date.now() - 6 * 60_000) }), 401],
      ['a future timestamp', () => push(valid(), NW_GRID_SECRET, { at: new Date(Date.now() + 6 * 60_000) }), 401],
      ['a secret no sender has', () => push(valid(), 'whsec_' + Buffer.alloc(24, 7).toString('base64')), 401],
      ['malformed JSON', () => push('{"zone": "west",'), 400],
      ['an unknown zone', () => push({ ...forecast(), zone: 'atlantis' }, DE_DESK_SECRET), 422, 'zone'],
      ['a zone the sender may not publish', () => push(forecast({ zone: 'de' })), 403],
      [
        'a point off the resolution grid',
        () =>
          push({ ...forecast(), points: [{ ...forecast().points[0], start: thisHour.plus({ minutes: 20 }).toISO() }] }),
        422,
        'points[0].start',
      ],
      [
        'duplicate intervals',
        () => push({ ...forecast(), points: [forecast().points[0], forecast().points[1], forecast().points[0]] }),
        422,
        'points[2].start',
      ],
      ['an incomplete hour at PT15M', () => push(forecast({ resolution: 'PT15M', count: 6 })), 422, 'points[5].start'],
      [
        'a negative value',
        () => push({ ...forecast(), points: [{ ...forecast().points[0], solarMw: -1 }] }),
        400,
        'points[0].solarMw',
      ],
      [
        'a non-finite value',
        () => push(JSON.stringify(forecast()).replace('"solarMw":200', '"solarMw":1e999')),
        400,
        'points[0].solarMw',
      ],
      [
        'a start without offset',
        () => push({ ...forecast(), points: [{ ...forecast().points[0], start: '2030-01-01T00:00:00' }] }),
        400,
        'points[0].start',
      ],
      [
        'a horizon over 14 days',
        () => push(forecast({ start: thisHour.plus({ days: 14 }), count: 2 })),
        422,
        'points[1].start',
      ],
      [
        'an issuedAt in the future',
        () => push(forecast({ issuedAt: DateTime.utc().plus({ hours: 1 }) })),
        422,
        'issuedAt',
      ],
      ['an unknown resolution', () => push({ ...forecast(), resolution: 'PT5M' }), 400, 'resolution'],
      [
        'more than 10,000 points',
        () => push(forecast({ resolution: 'PT15M', count: 10_004, start: thisHour.minus({ days: 100 }) })),
        400,
        'points',
      ],
      ['an unknown field', () => push({ ...forecast(), colour: 'green' }), 400, 'colour'],
      ['a body over 5 MiB', () => push(JSON.stringify({ ...forecast(), pad: 'x'.repeat(5 * 1024 * 1024) })), 413],
    ];

    // Rest parameters: jest would take a fourth named parameter for a done callback.
    it.each(cases)('%s', async (...[, deliver, status, field]) => {
      const before = await snapshot(ctx.t.redis, ctx.t.prefix);
      const eventsBefore = events.length;
      const res = await deliver().expect(status);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body.detail).toEqual(expect.any(String));
      if (field) expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
      expect(await snapshot(ctx.t.redis, ctx.t.prefix)).toEqual(before);
      expect(events.length).toBe(eventsBefore);
    });
  });

  describe('GET /v1/zones/:zone/signals', () => {
    it('needs a key (tenant or operator) and a known zone', async () => {
      await request(ctx.http).get('/v1/zones/west/signals').expect(401);
      await request(ctx.http).get('/v1/zones/west/signals').set(OPERATOR).expect(200);
      await request(ctx.http).get('/v1/zones/atlantis/signals').set(ALPHA).expect(404);
    });

    it('refuses a bad range', async () => {
      await request(ctx.http)
        .get('/v1/zones/west/signals')
        .query({ from: thisHour.toISO(), to: thisHour.minus({ hours: 1 }).toISO() })
        .set(ALPHA)
        .expect(400);
      await request(ctx.http)
        .get('/v1/zones/west/signals')
        .query({ from: thisHour.toISO(), to: thisHour.plus({ days: 40 }).toISO() })
        .set(ALPHA)
        .expect(400);
      await request(ctx.http).get('/v1/zones/west/signals').query({ from: 'yesterday' }).set(ALPHA).expect(400);
    });

    it('judges peaks in the zone’s local time across a DST change (Europe/Berlin)', async () => {
      const from = DateTime.fromISO('2026-03-27T00:00', { zone: 'Europe/Berlin' }); // Friday; Sunday 29th has 23 hours
      const got = (
        await request(ctx.http)
          .get('/v1/zones/de/signals')
          .query({ from: from.toISO(), to: from.plus({ days: 4 }).toISO() })
          .set(ALPHA)
          .expect(200)
      ).body;
      const peakLocal = got.hours
        .filter((h: { peak: boolean }) => h.peak)
        .map((h: { start: string }) => DateTime.fromISO(h.start).setZone('Europe/Berlin').toFormat('ccc HH:mm'));
      expect(peakLocal).toEqual(['Fri 08:00', 'Fri 09:00', 'Fri 10:00', 'Mon 08:00', 'Mon 09:00', 'Mon 10:00']);
    });
  });
});
