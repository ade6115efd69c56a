import { DateTime } from 'luxon';
import request from 'supertest';
import { virtualClock } from '../../src/domain/time/clock.js';
import { getJob, planningSettled, submit, until } from '../support/execution.js';
import { notifyOpenAdr } from '../support/openadr.js';
import { ALPHA, startTestApp, type TestApp } from '../support/test-app.js';

// The service clock stands still at 09:00 in Shanghai (off-peak): the plans do not depend on when the suite runs.
const NOW = DateTime.fromISO('2026-03-02T01:00:00Z', { zone: 'utc' });

describe('a job pushed past its deadline after acceptance', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ clock: virtualClock(NOW, 1, () => 0), roles: 'api,planner' });
  });
  afterAll(() => t.close());

  /** A job of 3 h with 2.5 h of slack, planned on time. */
  const acceptedOnTime = async (name: string, site: string, gpus: number) => {
    const http = t.app.getHttpServer();
    const id = await submit(http, {
      name,
      gpus,
      runtimeHours: 3,
      deadline: NOW.plus({ hours: 5.5 }).toISO(),
      sites: [site],
    });
    await until(
      () => getJob(http, id),
      (job) => job.plan?.meetsDeadline === true,
    );
    return id;
  };

  it('keeps when and why it turned late in its record, and its plan reason says so', async () => {
    const http = t.app.getHttpServer();
    // 48 GPUs at east-edge draw 43.7 kW, under its 50 kW import cap.
    const id = await acceptedOnTime('on-time', 'east-edge', 48);
    // No re-plan still waiting (the submission's): the next one is the grid event's.
    await planningSettled(t);
    // The grid operator caps east-edge's import at 10 kW for the next four hours: the job cannot run until they end.
    await notifyOpenAdr(http, 'POST', {
      id: 'shortfall',
      programID: 'west-dr',
      intervalPeriod: { start: NOW.toISO(), duration: 'PT4H' },
      intervals: [{ id: 0, payloads: [{ type: 'IMPORT_CAPACITY_LIMIT', values: [10] }] }],
    });
    const late = await until(
      () => getJob(http, id),
      (job) => job.plan?.meetsDeadline === false,
    );
    expect(late.late).toEqual({ since: NOW.toISO(), cause: 'grid event now in west' });
    expect(late.plan.reason).toMatch(/^cannot meet its deadline .*; late since .*, after: grid event now in west$/);
  });

  it('a job queued late (acceptLate) after an accepted one does not push it late, and its record says so', async () => {
    const http = t.app.getHttpServer();
    const id = await acceptedOnTime('kept', 'de-hub', 128);
    expect((await getJob(http, id)).acceptedLate).toBeUndefined();
    // Every GPU of de-hub for three hours from now, for a job that may not wait: it does not fit beside the first.
    const urgent = {
      name: 'urgent',
      gpus: 128,
      runtimeHours: 3,
      deadline: NOW.plus({ hours: 5 }).toISO(),
      sites: ['de-hub'],
      deferrable: false,
    };
    const refused = await request(http).post('/v1/jobs').set(ALPHA).send(urgent).expect(422);
    const queued = await submit(http, { ...urgent, acceptLate: true });
    const planned = await until(
      () => getJob(http, queued),
      (job) => Boolean(job.plan),
    );
    expect(planned.acceptedLate).toEqual({ earliestFinish: refused.body.earliestFinish });
    expect(planned.plan.meetsDeadline).toBe(false);
    await planningSettled(t);
    const kept = await getJob(http, id);
    expect(kept.plan.meetsDeadline).toBe(true);
    expect(kept.late).toBeUndefined();
  });
});
