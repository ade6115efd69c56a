import { DateTime } from 'luxon';
import request from 'supertest';
import { virtualClock } from '../../src/domain/time/clock.js';
import { ALPHA, OPERATOR, useTestApp } from '../support/test-app.js';

/** A demo-like clock: 720 times real time, starting 40 days ahead of the wall clock. */
const start = DateTime.utc().plus({ days: 40 }).startOf('hour');
const clock = virtualClock(start, 720);

describe('GET /v1/clock', () => {
  const ctx = useTestApp({ clock });

  it('answers the service clock’s now, speed and each zone’s local time to any tenant or operator key', async () => {
    for (const key of [ALPHA, OPERATOR]) {
      const before = clock.now().toMillis();
      const res = await request(ctx.http).get('/v1/clock').set(key).expect(200);
      const after = clock.now().toMillis();
      expect(res.body).toEqual({
        now: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        speed: 720,
        zones: [
          { zone: 'west', timeZone: 'Asia/Shanghai', local: expect.stringMatching(/\+08:00$/) },
          { zone: 'de', timeZone: 'Europe/Berlin', local: expect.stringMatching(/\+0[12]:00$/) },
        ],
      });
      const now = Date.parse(res.body.now);
      expect(now).toBeGreaterThanOrEqual(before);
      expect(now).toBeLessThanOrEqual(after);
      for (const zone of res.body.zones) expect(Date.parse(zone.local)).toBe(now);
    }
  });

  it('refuses a request without a key', async () => {
    const res = await request(ctx.http).get('/v1/clock').expect(401);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
  });

  it('gives the deadline the README computes: 48 h after the service clock’s now is accepted', async () => {
    // A deadline 48 h after the wall clock lies weeks in the service clock's past.
    const wallDeadline = DateTime.utc().plus({ hours: 48 }).toISO();
    const job = { name: 'clock-probe', gpus: 8, runtimeHours: 12 };
    await request(ctx.http)
      .post('/v1/jobs')
      .set(ALPHA)
      .send({ ...job, deadline: wallDeadline })
      .expect(422);
    const now = (await request(ctx.http).get('/v1/clock').set(ALPHA).expect(200)).body.now as string;
    const deadline = DateTime.fromISO(now).plus({ hours: 48 }).toUTC().toISO();
    const res = await request(ctx.http)
      .post('/v1/jobs')
      .set(ALPHA)
      .send({ ...job, deadline })
      .expect(201);
    expect(res.body).toMatchObject({ state: 'queued', deadline });
  });

  it('is described in /docs with its DTO', async () => {
    const doc = (await request(ctx.http).get('/docs/json').expect(200)).body;
    const get = doc.paths['/v1/clock'].get;
    expect(get.responses['200'].content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/ClockDto',
    });
    expect(get.security).toEqual([{ bearer: [] }]);
    expect(doc.components.schemas.ClockDto.required).toEqual(expect.arrayContaining(['now', 'speed', 'zones']));
    expect(Object.keys(doc.components.schemas.ZoneTimeDto.properties)).toEqual(['zone', 'timeZone', 'local']);
  });
});
