import { DateTime } from 'luxon';
import request from 'supertest';
import { ALPHA, OPERATOR, snapshot, useTestApp } from '../support/test-app.js';

const start = DateTime.utc().startOf('hour').plus({ days: 1 });
const csv = (rows = 3) =>
  [
    'start,windMw,solarMw,loadMw,carbonGPerKwh',
    ...Array.from({ length: rows }, (_, i) => `${start.plus({ hours: i }).toISO()},${100 + i},50,120,600`),
  ].join('\n');

describe('forecast CSV upload (operators)', () => {
  const ctx = useTestApp();

  const upload = (
    body: string,
    headers: Record<string, string> = OPERATOR,
    zone = 'de',
    query: Record<string, string> = {},
  ) =>
    request(ctx.http)
      .post(`/v1/zones/${zone}/forecasts.csv`)
      .query(query)
      .set(headers)
      .set('content-type', 'text/csv')
      .send(body);

  it('stores the rows and shows them in the signals endpoint', async () => {
    const res = await upload(csv()).expect(200);
    expect(res.body).toMatchObject({ zone: 'de', hours: 3, from: start.toISO() });
    const got = (
      await request(ctx.http)
        .get('/v1/zones/de/signals')
        .query({ from: start.toISO(), to: start.plus({ hours: 3 }).toISO() })
        .set(ALPHA)
        .expect(200)
    ).body;
    expect(
      got.hours.map((h: { forecast: { windMw: number; carbonGPerKwh: number } }) => [
        h.forecast.windMw,
        h.forecast.carbonGPerKwh,
      ]),
    ).toEqual([
      [100, 600],
      [101, 600],
      [102, 600],
    ]);
  });

  it.each([
    ['a tenant key', () => upload(csv(), ALPHA), 403],
    ['no key', () => upload(csv(), {}), 401],
    ['an unknown zone', () => upload(csv(), OPERATOR, 'atlantis'), 404],
    ['a bad cell, by line', () => upload(csv().replace(',101,', ',-101,')), 422, 'line 3: windMw'],
    ['a duplicate hour, by line', () => upload(`${csv()}\n${start.toISO()},1,1,1,1`), 422, 'line 5: start'],
    ['a bad resolution', () => upload(csv(), OPERATOR, 'de', { resolution: 'P1D' }), 400, 'resolution'],
    [
      'JSON instead of CSV',
      () => request(ctx.http).post('/v1/zones/de/forecasts.csv').set(OPERATOR).send({ a: 1 }),
      415,
    ],
  ] as const)('refuses %s and stores nothing', async (...[, send, status, field]) => {
    const before = await snapshot(ctx.t.redis, ctx.t.prefix);
    const res = await send().expect(status);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
    if (field) expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
    expect(await snapshot(ctx.t.redis, ctx.t.prefix)).toEqual(before);
  });
});
