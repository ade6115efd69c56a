import { DateTime } from 'luxon';
import type { Job } from '../jobs/job.js';
import { linksByRegion, planInputFrom, planJobFrom, transferHours } from './plan-input.js';

/** A stored job of 8 GPUs and 5 h submitted at `at`, deferrable and interruptible, with `fields` over it. */
function storedJob(at: string, fields: Partial<Job> = {}): Job {
  return {
    id: 'j',
    tenant: 't',
    name: 'n',
    gpus: 8,
    runtimeHours: 5,
    deadline: '2026-03-02T00:00:00.000Z',
    earliestStart: at,
    deferrable: true,
    interruptible: true,
    checkpointMinutes: 10,
    priority: 5,
    state: 'scheduled',
    submittedAt: at,
    updatedAt: at,
    history: [],
    ...fields,
  };
}

describe('plan input from stored jobs', () => {
  it('turns a dataset away from its site into hours of transfer: GB × 8 / Gbit/s', () => {
    expect(transferHours(4500, { 'nx-zhongwei': 10, 'gs-qingyang': 1 })).toEqual({
      'nx-zhongwei': 1,
      'gs-qingyang': 10,
    });
  });

  it('gives the planner each job’s window, state and transfer hours', () => {
    const at = '2026-03-01T00:00:00.000Z';
    const job: Job = {
      id: 'j',
      tenant: 't',
      name: 'n',
      gpus: 8,
      runtimeHours: 3,
      deadline: '2026-03-02T00:00:00.000Z',
      earliestStart: at,
      deferrable: true,
      interruptible: false,
      checkpointMinutes: 10,
      priority: 5,
      dataRegion: 'shanghai',
      datasetGb: 900,
      state: 'scheduled',
      submittedAt: at,
      updatedAt: at,
      history: [],
    };
    const start = DateTime.fromISO(at, { zone: 'utc' });
    const input = planInputFrom(
      {
        start,
        now: start,
        hours: 24,
        sites: [],
        signals: new Map(),
        timeZoneOf: () => 'Asia/Shanghai',
        dataRegions: [{ id: 'shanghai', linksGbps: { far: 2 } }],
      },
      [job],
    );
    expect(input.jobs[0]).toMatchObject({
      id: 'j',
      remainingHours: 3,
      state: 'queued',
      interruptible: false,
      transferHours: { far: 1 },
    });
    expect(input.jobs[0].deadline.toISO()).toBe('2026-03-02T00:00:00.000Z');
  });

  it('counts a dataset’s transfer from the submission, so the wait shrinks between re-plans', () => {
    const submitted = '2026-03-01T09:00:00.000Z';
    const job: Job = {
      id: 'j',
      tenant: 't',
      name: 'n',
      gpus: 8,
      runtimeHours: 3,
      deadline: '2026-03-02T00:00:00.000Z',
      earliestStart: submitted,
      deferrable: true,
      interruptible: true,
      checkpointMinutes: 10,
      priority: 5,
      dataRegion: 'shanghai',
      datasetGb: 2700,
      state: 'scheduled',
      submittedAt: submitted,
      updatedAt: submitted,
      history: [],
    };
    const links = linksByRegion([{ id: 'shanghai', linksGbps: { far: 2, near: 100 } }]); // 3 h to far, 0.06 h to near
    const start = DateTime.fromISO('2026-03-01T10:00:00.000Z', { zone: 'utc' });
    // Sent at 09:00: at far by 12:00, two hours after hour 0 starts; long since at near.
    expect(planJobFrom(job, start, start.plus({ minutes: 20 }), links).transferHours).toEqual({ far: 2, near: 0 });
    expect(
      planJobFrom(job, start.plus({ hours: 2 }), start.plus({ hours: 2, minutes: 5 }), links).transferHours,
    ).toEqual({ far: 0, near: 0 });
  });

  it('gives a job that may start now hour 0, adding the part of it already gone to its work', () => {
    const at = '2026-03-01T10:00:00.000Z';
    const job: Job = {
      id: 'j',
      tenant: 't',
      name: 'n',
      gpus: 8,
      runtimeHours: 3,
      deadline: '2026-03-02T00:00:00.000Z',
      earliestStart: '2026-03-01T10:15:00.000Z',
      deferrable: true,
      interruptible: true,
      checkpointMinutes: 10,
      priority: 5,
      state: 'queued',
      submittedAt: at,
      updatedAt: at,
      history: [],
    };
    const start = DateTime.fromISO(at, { zone: 'utc' });
    const planned = planJobFrom(job, start, start.plus({ minutes: 30 }), new Map());
    expect(planned.earliestStart.toISO()).toBe(at);
    expect(planned.remainingHours).toBeCloseTo(3.5);
    // Not yet eligible: its own start stands and nothing is added.
    const early = planJobFrom(job, start, start.plus({ minutes: 5 }), new Map());
    expect(early.earliestStart.toISO()).toBe('2026-03-01T10:15:00.000Z');
    expect(early.remainingHours).toBe(3);
  });

  it('takes work left from a running job’s progress and keeps it where it runs', () => {
    const at = '2026-03-01T10:00:00.000Z';
    const job = storedJob(at, {
      state: 'running',
      dataRegion: 'shanghai',
      datasetGb: 900,
      run: {
        site: 'far',
        doneHours: 2,
        reportedAt: '2026-03-01T11:00:00.000Z',
        checkpointedHours: 2,
        segments: [{ site: 'far', start: at }],
      },
    });
    const start = DateTime.fromISO('2026-03-01T11:00:00.000Z', { zone: 'utc' });
    const planned = planJobFrom(
      job,
      start,
      start.plus({ minutes: 30 }),
      linksByRegion([{ id: 'shanghai', linksGbps: { far: 2 } }]),
    );
    // 5 − (2 + 0.5 since the report) + 0.5 of hour 0 gone.
    expect(planned.remainingHours).toBeCloseTo(3);
    expect(planned).toMatchObject({ state: 'running', currentSite: 'far', transferHours: { far: 0 } });
  });

  describe('a job with an action in flight is planned as the action will leave it', () => {
    const at = '2026-03-01T10:00:00.000Z';
    const start = DateTime.fromISO('2026-03-01T11:00:00.000Z', { zone: 'utc' });
    const pending = (action: 'pause' | 'start' | 'resume' | 'setPower', site = 'far') => ({
      id: 'a1',
      action,
      site,
      planVersion: 7,
      segment: 0,
      since: '2026-03-01T11:20:00.000Z',
    });
    const job = (state: Job['state'], pendingAction?: Job['pendingAction']): Job =>
      storedJob(at, {
        state,
        ...(state === 'running' || state === 'paused'
          ? {
              run: {
                site: 'far',
                doneHours: 1,
                reportedAt: '2026-03-01T11:00:00.000Z',
                checkpointedHours: 1,
                segments: [{ site: 'far', start: at, ...(state === 'paused' && { end: '2026-03-01T11:00:00.000Z' }) }],
              },
            }
          : {}),
        ...(pendingAction && { pendingAction }),
      });
    const planned = (j: Job) => planJobFrom(j, start, start.plus({ minutes: 30 }), new Map());

    it('a running job being paused: paused where it ran', () => {
      expect(planned(job('running', pending('pause')))).toMatchObject({ state: 'paused', currentSite: 'far' });
      expect(planned(job('running', pending('pause'))).runningSince).toBeUndefined();
    });

    it('a job being started or resumed: running at the action’s site since the action began', () => {
      for (const j of [job('scheduled', pending('start', 'near')), job('paused', pending('resume', 'near'))]) {
        const p = planned(j);
        expect(p).toMatchObject({ state: 'running', currentSite: 'near' });
        expect(p.runningSince!.toISO()).toBe('2026-03-01T11:20:00.000Z');
      }
    });

    it('a power change leaves it as it is; without an action, its stored state', () => {
      expect(planned(job('running', pending('setPower')))).toMatchObject({ state: 'running', currentSite: 'far' });
      expect(planned(job('scheduled'))).toMatchObject({ state: 'queued', currentSite: undefined });
      expect(planned(job('paused'))).toMatchObject({ state: 'paused', currentSite: 'far' });
    });
  });
});
