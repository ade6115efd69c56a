import { DateTime } from 'luxon';
import request from 'supertest';
import { SignalsChanged, SignalsService } from '../../src/signals/signals.service.js';
import { ALPHA, OPENADR, snapshot, useTestApp } from '../support/test-app.js';

const start = DateTime.utc().startOf('hour').plus({ days: 2 });

/** An OpenADR 3 event notification as a VTN sends it (extra fields included, as real ones have). */
function notification(operation: 'POST' | 'PUT' | 'DELETE', event: Record<string, unknown>) {
  return {
    objectType: 'EVENT',
    operation,
    object: {
      id: 'evt-1',
      createdDateTime: DateTime.utc().toISO(),
      objectType: 'EVENT',
      priority: 0,
      targets: [{ type: 'VEN_NAME', values: ['westwind'] }],
      programID: 'west-dr',
      eventName: 'evening-dr',
      intervalPeriod: { start: start.toISO(), duration: 'PT1H' },
      intervals: [
        { id: 0, payloads: [{ type: 'IMPORT_CAPACITY_LIMIT', values: [20] }] },
        { id: 1, payloads: [{ type: 'IMPORT_CAPACITY_LIMIT', values: [10] }] },
      ],
      ...event,
    },
  };
}

describe('OpenADR 3 notifications', () => {
  const ctx = useTestApp();
  const events: SignalsChanged[] = [];
  beforeAll(() => ctx.t.app.get(SignalsService).changes.subscribe((e) => events.push(e)));

  const notify = (body: unknown, headers: Record<string, string> = OPENADR) =>
    request(ctx.http)
      .post('/v1/webhooks/openadr')
      .set(headers)
      .set('content-type', 'application/json')
      .send(JSON.stringify(body));
  const siteHours = async (site: string) => {
    const got = (
      await request(ctx.http)
        .get('/v1/zones/west/signals')
        .query({ from: start.toISO(), to: start.plus({ hours: 4 }).toISO() })
        .set(ALPHA)
        .expect(200)
    ).body;
    return got.sites.find((s: { id: string }) => s.id === site).hours as {
      importCapMw: number | null;
      peak: boolean;
    }[];
  };

  it('answers the OpenADR 3.1 subscription check by echoing', async () => {
    const res = await request(ctx.http)
      .get('/v1/webhooks/openadr')
      .query({ echo: 'challenge-123' })
      .set(OPENADR)
      .expect(200);
    expect(res.text).toBe('challenge-123');
    await request(ctx.http).get('/v1/webhooks/openadr').query({ echo: 'x' }).expect(401);
  });

  it('IMPORT_CAPACITY_LIMIT caps the mapped site’s import in its intervals (kW → MW); updated, deleted', async () => {
    await notify(notification('POST', {})).expect(200);
    expect(events.at(-1)).toEqual({ zone: 'west', from: start.toISO(), to: start.plus({ hours: 2 }).toISO() });
    // east-edge has a standing cap of 0.05 MW; the event tightens it to 0.02 then 0.01 MW
    expect((await siteHours('east-edge')).map((h) => h.importCapMw)).toEqual([0.02, 0.01, 0.05, 0.05]);
    expect((await siteHours('west-hub')).map((h) => h.importCapMw)).toEqual([null, null, null, null]);

    await notify(
      notification('PUT', { intervals: [{ id: 0, payloads: [{ type: 'IMPORT_CAPACITY_LIMIT', values: [30] }] }] }),
    ).expect(200);
    expect((await siteHours('east-edge')).map((h) => h.importCapMw)).toEqual([0.03, 0.05, 0.05, 0.05]);

    const deleted = await notify(notification('DELETE', {})).expect(200);
    expect(deleted.body).toMatchObject({ deleted: true });
    expect((await siteHours('east-edge')).map((h) => h.importCapMw)).toEqual([0.05, 0.05, 0.05, 0.05]);
  });

  it('a SIMPLE level ≥ 1 event makes hours peak for the whole zone', async () => {
    const simple = notification('POST', {
      id: 'peak-1',
      programID: 'west-peak',
      intervals: [
        { id: 0, payloads: [{ type: 'SIMPLE', values: [0] }] },
        {
          id: 1,
          intervalPeriod: { start: start.plus({ hours: 3 }).toISO(), duration: 'PT1H' },
          payloads: [{ type: 'SIMPLE', values: [2] }],
        },
      ],
    });
    await notify(simple).expect(200);
    const hub = await siteHours('west-hub');
    const peakByLocal = (h: number) => {
      const hour = start.plus({ hours: h }).setZone('Asia/Shanghai').hour;
      return hour >= 17 && hour < 22;
    };
    expect(hub.map((h) => h.peak)).toEqual([0, 1, 2, 3].map((h) => h === 3 || peakByLocal(h)));
  });

  it('PRICE and GHG events set the hours’ price and carbon intensity', async () => {
    await notify(
      notification('POST', {
        id: 'tariff-1',
        intervals: [
          {
            id: 0,
            payloads: [
              { type: 'PRICE', values: [-12.5] },
              { type: 'GHG', values: [420] },
            ],
          },
        ],
      }),
    ).expect(200);
    const got = (
      await request(ctx.http)
        .get('/v1/zones/west/signals')
        .query({ from: start.toISO(), to: start.plus({ hours: 2 }).toISO() })
        .set(ALPHA)
        .expect(200)
    ).body;
    const edge = got.sites.find((s: { id: string }) => s.id === 'east-edge').hours;
    expect(
      edge.map((h: { pricePerMwh: number | null; carbonGPerKwh: number | null }) => [h.pricePerMwh, h.carbonGPerKwh]),
    ).toEqual([
      [-12.5, 420],
      [null, null],
    ]);
    expect((await notify(notification('DELETE', { id: 'never-sent' })).expect(200)).body).toMatchObject({
      deleted: false,
    });
  });

  it('forgets events that ended more than a day ago', async () => {
    const past = DateTime.utc().minus({ days: 3 });
    await notify(
      notification('POST', { id: 'old-dr', intervalPeriod: { start: past.toISO(), duration: 'PT2H' } }),
    ).expect(200);
    const keys = async () => Object.keys(await ctx.t.redis.hgetall(`${ctx.t.prefix}grid-events`));
    expect(await keys()).toContain('west-dr:old-dr');
    await ctx.t.app.get(SignalsService).prune();
    expect(await keys()).not.toContain('west-dr:old-dr');
    expect(await keys()).toContain('west-peak:peak-1'); // still to come
  });

  it('ignores notifications about other objects', async () => {
    const res = await notify({ objectType: 'PROGRAM', operation: 'POST', object: { programName: 'x' } }).expect(200);
    expect(res.body.ignored).toBe(true);
  });

  it.each([
    ['no token', () => notify(notification('POST', {}), {}), 401],
    ['a wrong token', () => notify(notification('POST', {}), { authorization: 'Bearer wrong-token-00000000' }), 401],
    ['malformed JSON', () => request(ctx.http).post('/v1/webhooks/openadr').set(OPENADR).send('{"objectType":'), 400],
    ['an unknown operation', () => notify({ ...notification('POST', {}), operation: 'PATCH' }), 400, 'operation'],
    ['an unmapped program', () => notify(notification('POST', { programID: 'elsewhere' })), 422, 'object.programID'],
    [
      'intervals without a period',
      () => notify(notification('POST', { intervalPeriod: undefined })),
      422,
      'object.intervals[0].intervalPeriod',
    ],
    [
      'a bad duration',
      () => notify(notification('POST', { intervalPeriod: { start: start.toISO(), duration: 'one hour' } })),
      422,
      'object.intervalPeriod.duration',
    ],
    [
      'a start without offset',
      () => notify(notification('POST', { intervalPeriod: { start: '2030-01-01T00:00:00', duration: 'PT1H' } })),
      422,
      'object.intervalPeriod.start',
    ],
    [
      'a negative capacity',
      () =>
        notify(
          notification('POST', { intervals: [{ id: 0, payloads: [{ type: 'IMPORT_CAPACITY_LIMIT', values: [-5] }] }] }),
        ),
      422,
      'object.intervals[0].payloads[0].values[0]',
    ],
    [
      'a non-numeric value',
      () => notify(notification('POST', { intervals: [{ id: 0, payloads: [{ type: 'PRICE', values: ['cheap'] }] }] })),
      422,
      'object.intervals[0].payloads[0].values[0]',
    ],
    [
      'intervals that are not a list',
      () => notify(notification('POST', { intervals: 'soon' })),
      400,
      'object.intervals',
    ],
  ] as const)('refuses %s and stores nothing', async (...[, send, status, field]) => {
    const before = await snapshot(ctx.t.redis, ctx.t.prefix);
    const count = events.length;
    const res = await send().expect(status);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
    if (field) expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
    expect(await snapshot(ctx.t.redis, ctx.t.prefix)).toEqual(before);
    expect(events.length).toBe(count);
  });
});
