import { DateTime } from 'luxon';
import request from 'supertest';
import { until } from '../support/execution.js';
import { ALPHA, startTestApp, type TestApp } from '../support/test-app.js';

describe('a job pushed past its deadline after acceptance', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ roles: 'api,planner' });
  });
  afterAll(() => t.close());

  it('keeps when and why it turned late in its record, and its plan reason says so', async () => {
    const http = t.app.getHttpServer();
    // 2.5 h of slack: not a job that must start this hour (those are placed with the fixed work, and
    // a later non-deferrable job could not push it late).
    const deadline = DateTime.utc().plus({ hours: 5.5 }).toISO();
    const accepted = (
      await request(http)
        .post('/v1/jobs')
        .set(ALPHA)
        .send({ name: 'on-time', gpus: 128, runtimeHours: 3, deadline, sites: ['de-hub'] })
        .expect(201)
    ).body;
    await until(
      async () => (await request(http).get(`/v1/jobs/${accepted.id}`).set(ALPHA)).body,
      (job) => job.plan?.meetsDeadline === true,
    );
    // Every GPU of de-hub for the next three hours, for a job that may not wait (queued though late).
    await request(http)
      .post('/v1/jobs')
      .set(ALPHA)
      .send({
        name: 'urgent',
        gpus: 128,
        runtimeHours: 3,
        deadline: DateTime.utc().plus({ hours: 5 }).toISO(),
        sites: ['de-hub'],
        deferrable: false,
        acceptLate: true,
      })
      .expect(201);
    const late = await until(
      async () => (await request(http).get(`/v1/jobs/${accepted.id}`).set(ALPHA)).body,
      (job) => job.plan?.meetsDeadline === false,
    );
    expect(late.late).toEqual({ since: expect.any(String), cause: expect.stringContaining('job submitted') });
    expect(late.plan.reason).toMatch(/^cannot meet its deadline .*; late since .*, after: .*job submitted/);
  });
});
