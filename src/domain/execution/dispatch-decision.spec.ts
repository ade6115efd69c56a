import { DateTime } from 'luxon';
import type { Job } from '../jobs/job.js';
import type { JobPlan } from '../planner/plan-types.js';
import { actionsFor, cancelCommand, pauseReason, planKnowsJob } from './dispatch-decision.js';
import { finished, gpusHeld, paused, started, workDone } from './job-run.js';

const at = (iso: string) => DateTime.fromISO(iso, { zone: 'utc' });
const job: Job = {
  id: 'j1',
  tenant: 't',
  name: 'n',
  gpus: 8,
  runtimeHours: 4,
  deadline: '2026-03-03T00:00:00.000Z',
  earliestStart: '2026-03-02T07:00:00.000Z',
  deferrable: true,
  interruptible: true,
  checkpointMinutes: 12,
  priority: 5,
  state: 'scheduled',
  submittedAt: '2026-03-02T07:00:00.000Z',
  updatedAt: '2026-03-02T07:00:00.000Z',
  history: [],
};
const segment = (site: string, start: string, end: string) => ({ site, start, end, startHour: 0, endHour: 0 });
const plan = (...segments: ReturnType<typeof segment>[]): JobPlan => ({
  jobId: 'j1',
  site: segments[0]?.site,
  segments,
  meetsDeadline: true,
  pauses: 0,
  peakHours: 0,
  peakMwh: 0,
  reason: 'r',
});
const twoSegments = plan(
  segment('a', '2026-03-02T07:00:00.000Z', '2026-03-02T09:00:00.000Z'),
  segment('b', '2026-03-02T14:00:00.000Z', '2026-03-02T17:00:00.000Z'),
);

describe('which dispatch action a job needs now', () => {
  it('starts a scheduled job whose segment covers now, with an id from job, plan version and segment', () => {
    expect(actionsFor(job, twoSegments, 7, at('2026-03-02T07:20:00Z'))).toEqual([
      { id: 'j1.v7.s0.start', action: 'start', jobId: 'j1', site: 'a', planVersion: 7, segment: 0 },
    ]);
    expect(actionsFor(job, twoSegments, 7, at('2026-03-02T10:00:00Z'))).toEqual([]);
    expect(actionsFor(job, undefined, 7, at('2026-03-02T07:20:00Z'))).toEqual([]);
  });

  it(
    'pauses a running job at the end of its segment (the boundary belongs to the gap) ' +
      'and resumes it where the next begins',
    () => {
      const running = started(job, 'a', at('2026-03-02T07:20:00Z'), 'go');
      expect(actionsFor(running, twoSegments, 8, at('2026-03-02T08:59:59Z'))).toEqual([]);
      expect(
        actionsFor(running, twoSegments, 8, at('2026-03-02T09:00:00Z')).map((c) => [c.action, c.site, c.segment]),
      ).toEqual([['pause', 'a', 1]]);
      const resting = paused(running, at('2026-03-02T09:00:00Z'), 'peak');
      expect(actionsFor(resting, twoSegments, 9, at('2026-03-02T14:00:00Z')).map((c) => [c.action, c.site])).toEqual([
        ['resume', 'b'],
      ]);
    },
  );

  it('moves a running job whose plan continues at another site: pause here, resume there', () => {
    const running = started(job, 'b', at('2026-03-02T07:00:00Z'), 'go');
    expect(actionsFor(running, twoSegments, 3, at('2026-03-02T08:00:00Z')).map((c) => [c.action, c.site])).toEqual([
      ['pause', 'b'],
      ['resume', 'a'],
    ]);
  });

  it('starts or resumes no run too short to repay its restore (checkpoint 12 min), unless it ends the job', () => {
    const actions = (j: Job, p: JobPlan, iso: string) => actionsFor(j, p, 4, at(iso)).map((c) => [c.action, c.site]);
    const resting = paused(started(job, 'a', at('2026-03-02T07:00:00Z'), 'go'), at('2026-03-02T07:30:00Z'), 'p');
    // Run a ends at 09:00 and the plan goes on at 14:00: 13 minutes left is worth it, 11 is not.
    expect(actions(resting, twoSegments, '2026-03-02T08:47:00Z')).toEqual([['resume', 'a']]);
    expect(actions(resting, twoSegments, '2026-03-02T08:49:00Z')).toEqual([]);
    expect(actions(job, twoSegments, '2026-03-02T08:55:00Z')).toEqual([]);
    // Back to back at the same site (another power cap from 09:00) it is one run, still two hours long.
    const onwards = plan(
      segment('a', '2026-03-02T07:00:00.000Z', '2026-03-02T09:00:00.000Z'),
      segment('a', '2026-03-02T09:00:00.000Z', '2026-03-02T11:00:00.000Z'),
      segment('b', '2026-03-02T14:00:00.000Z', '2026-03-02T17:00:00.000Z'),
    );
    expect(actions(resting, onwards, '2026-03-02T08:55:00Z')).toEqual([['resume', 'a']]);
    // The last run of the plan finishes the job: started with a minute left.
    expect(actions(job, twoSegments, '2026-03-02T16:59:00Z')).toEqual([['start', 'b']]);
    // A move into a run too short: it leaves where it is not planned, and resumes when the plan next wants it.
    const elsewhere = started(job, 'b', at('2026-03-02T07:00:00Z'), 'go');
    expect(actions(elsewhere, twoSegments, '2026-03-02T08:55:00Z')).toEqual([['pause', 'b']]);
  });

  it('does not pause or move a running job whose work is done by now: its completion report is on its way', () => {
    // 4 h of work from 07:00: done at 11:00. Its plan had it pause at 09:00 and go on at b from 14:00; the pause came
    // late (a slow re-plan, or the site's report of the completion not in yet).
    const running = started(job, 'a', at('2026-03-02T07:00:00Z'), 'go');
    const actions = (iso: string) => actionsFor(running, twoSegments, 5, at(iso)).map((c) => c.action);
    expect(actions('2026-03-02T10:59:00Z')).toEqual(['pause']);
    expect(actions('2026-03-02T11:00:00Z')).toEqual([]);
    expect(actions('2026-03-02T14:30:00Z')).toEqual([]);
  });

  it('cancels at the site only a job that ran somewhere', () => {
    expect(cancelCommand(job)).toBeUndefined();
    expect(cancelCommand(started(job, 'a', at('2026-03-02T07:00:00Z'), 'go'))).toMatchObject({
      action: 'cancel',
      site: 'a',
    });
  });
});

describe('work done from progress', () => {
  it('accrues while running, after the checkpoint restore of a resume, and holds while paused', () => {
    const running = started(job, 'a', at('2026-03-02T07:00:00Z'), 'go');
    expect(workDone(running, at('2026-03-02T08:30:00Z'))).toBeCloseTo(1.5);
    const resting = paused(running, at('2026-03-02T09:00:00Z'), 'peak');
    expect(resting.run).toMatchObject({
      doneHours: 2,
      checkpointedHours: 2,
      segments: [{ site: 'a', start: '2026-03-02T07:00:00.000Z', end: '2026-03-02T09:00:00.000Z' }],
    });
    expect(workDone(resting, at('2026-03-02T13:00:00Z'))).toBe(2);
    const resumed = started(resting, 'b', at('2026-03-02T14:00:00Z'), 'wind');
    // 12 minutes restoring the checkpoint, then progress.
    expect(workDone(resumed, at('2026-03-02T14:12:00Z'))).toBeCloseTo(2);
    expect(workDone(resumed, at('2026-03-02T15:12:00Z'))).toBeCloseTo(3);
    expect(workDone(resumed, at('2026-03-03T00:00:00Z'))).toBe(4);
  });
});

describe('the reason a pause is recorded with', () => {
  const zoneOf = (site: string) => (site === 'a' ? 'Asia/Shanghai' : 'Europe/Berlin');
  const withReason = (reason: string) => ({ ...twoSegments, reason });

  it('is the plan’s own where it already says why the job stops', () => {
    for (const reason of ['paused: peak 17:00–22:00 Asia/Shanghai; resumes 22:00', 'moving from a to b on renewable'])
      expect(pauseReason(withReason(reason), 9, 'a', at('2026-03-02T09:00:00Z'), zoneOf)).toBe(`plan 9: ${reason}`);
    expect(pauseReason(undefined, 9, 'a', at('2026-03-02T09:00:00Z'), zoneOf)).toBe('plan 9');
  });

  it('says a planned run ended, and where and when the job resumes, in that site’s zone', () => {
    // Planned at 07:00 ("running at a"); paused at 09:00, where its first run ends, before that hour's re-plan.
    expect(pauseReason(withReason('running at a 80% renewable'), 9, 'a', at('2026-03-02T09:00:00Z'), zoneOf)).toBe(
      'paused: its planned run ended; resumes 15:00 Europe/Berlin at b; plan 9: running at a 80% renewable',
    );
    const lastRun = plan(segment('a', '2026-03-02T07:00:00.000Z', '2026-03-02T09:00:00.000Z'));
    expect(pauseReason({ ...lastRun, reason: 'running at a' }, 9, 'a', at('2026-03-02T09:00:00Z'), zoneOf)).toBe(
      'paused: its planned run ended; plan 9: running at a',
    );
  });

  it('dates a resumption on another local day, and calls a pause where the plan runs the job elsewhere a move', () => {
    const tomorrow = plan(
      segment('a', '2026-03-02T07:00:00.000Z', '2026-03-02T09:00:00.000Z'),
      segment('a', '2026-03-03T02:00:00.000Z', '2026-03-03T04:00:00.000Z'),
    );
    expect(pauseReason({ ...tomorrow, reason: 'running at a' }, 9, 'a', at('2026-03-02T09:00:00Z'), zoneOf)).toBe(
      'paused: its planned run ended; resumes 2026-03-03 10:00 Asia/Shanghai at a; plan 9: running at a',
    );
    expect(pauseReason(withReason('running at b'), 9, 'a', at('2026-03-02T14:30:00Z'), zoneOf)).toBe(
      'moving from a to b; plan 9: running at b',
    );
  });
});

describe('whether a plan was made knowing the job', () => {
  // Started under plan 5, claimed at 06:15; plans carry the instant they were made (their input read then).
  const lastAction = {
    id: 'j1.v5.s0.start',
    action: 'start' as const,
    site: 'a',
    planVersion: 5,
    segment: 0,
    since: '2026-03-02T06:15:00.000Z',
    checkedAgainst: 5,
  };
  const running = { ...started(job, 'a', at('2026-03-02T06:16:00Z'), 'go'), lastAction };

  it('knows a job no action has been carried out on', () => {
    expect(planKnowsJob(job, { version: 6, createdAt: '2026-03-02T06:14:00.000Z' })).toBe(true);
  });

  it('knows it when it is the plan the last action was checked against, or an older one', () => {
    expect(planKnowsJob(running, { version: 5, createdAt: '2026-03-02T06:00:00.000Z' })).toBe(true);
    expect(planKnowsJob(running, { version: 4, createdAt: '2026-03-02T05:00:00.000Z' })).toBe(true);
  });

  it('does not know it when made before the action was claimed under a plan before it', () => {
    expect(planKnowsJob(running, { version: 6, createdAt: '2026-03-02T06:14:00.000Z' })).toBe(false);
    expect(planKnowsJob(running, { version: 6, createdAt: '2026-03-02T06:14:59.999Z' })).toBe(false);
    // Made at the claim's instant (a clock that stands still): taken as knowing it, as before the check.
    expect(planKnowsJob(running, { version: 6, createdAt: '2026-03-02T06:15:00.000Z' })).toBe(true);
  });

  it('knows a job whose last action predates the field (records written before it)', () => {
    const { checkedAgainst: _, ...older } = lastAction;
    expect(planKnowsJob({ ...running, lastAction: older }, { version: 9, createdAt: '2026-03-02T06:00:00Z' })).toBe(
      true,
    );
  });
});

describe('gpusHeld', () => {
  const t0 = at('2026-03-02T08:00:00Z');
  const claim = (action: 'start' | 'resume' | 'pause', site: string): Job['pendingAction'] => ({
    id: 'c',
    action,
    site,
    planVersion: 1,
    segment: 0,
    since: t0.toISO()!,
  });
  it('holds at the site a start or resume was claimed for, from the claim on', () => {
    expect(gpusHeld(job)).toBeUndefined();
    expect(gpusHeld({ ...job, pendingAction: claim('start', 'a') })).toEqual({ site: 'a', gpus: 8 });
    const pausedAtA = paused(started(job, 'a', t0, 'r'), t0.plus({ hours: 1 }), 'p');
    expect(gpusHeld(pausedAtA)).toBeUndefined();
    expect(gpusHeld({ ...pausedAtA, pendingAction: claim('resume', 'b') })).toEqual({ site: 'b', gpus: 8 });
  });
  it('holds where it runs until the site took its pause; nothing once finished', () => {
    const running = started(job, 'a', t0, 'r');
    expect(gpusHeld(running)).toEqual({ site: 'a', gpus: 8 });
    expect(gpusHeld({ ...running, pendingAction: claim('pause', 'a') })).toEqual({ site: 'a', gpus: 8 });
    expect(gpusHeld(finished(running, 'completed', t0.plus({ hours: 4 }), 'done'))).toBeUndefined();
  });
});
