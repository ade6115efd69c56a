import { plan } from './plan.js';
import type { PlanJob, PlanSite } from './plan-types.js';
import { at, planJob, planSite, PLAN_START as start } from '../../../test/support/planner-fixtures.js';

// 00:00 UTC is 08:00 in Shanghai.
const site = (id: string, greenMw: number[], extra: Partial<PlanSite> = {}) =>
  planSite(id, greenMw, undefined, { timeZone: 'Asia/Shanghai', ...extra });
const job = planJob;
const flat = (value: number) => new Array<number>(24).fill(value);

const reasonOf = (sites: PlanSite[], j: PlanJob) => plan({ start, hours: 24, sites, jobs: [j] }).jobs[0].reason;

describe('plan reasons: every time labelled with its zone', () => {
  it('a job that cannot meet its deadline: deadline and earliest finish in the site zone', () => {
    const reason = reasonOf([site('west', flat(1))], job('late', { remainingHours: 5, deadline: at(3) }));
    expect(reason).toBe(
      'cannot meet its deadline 2026-03-02 11:00 Asia/Shanghai; ' +
        'earliest finish 2026-03-02 13:00 at west (Asia/Shanghai)',
    );
  });

  it('a job that is not deferrable: its hours in the site’s zone', () => {
    const reason = reasonOf([site('west', flat(0))], job('now', { deferrable: false, earliestStart: at(2) }));
    expect(reason).toBe('not deferrable: runs 10:00–13:00 Asia/Shanghai at west without pause');
  });
});

describe('plan reasons: a time a day or more ahead carries its date', () => {
  const hours = 48;
  const wide = (value: number) => new Array<number>(hours).fill(value);
  const longSite = (signals: Partial<PlanSite['signals']> = {}) =>
    site('west', wide(1), { signals: { greenMw: wide(1), peak: wide(0), ...signals } });
  const reason = (s: PlanSite, j: PlanJob) => plan({ start, hours, sites: [s], jobs: [j] }).jobs[0].reason;

  it('a non-deferrable job that runs tomorrow', () => {
    const j = job('later', { deferrable: false, earliestStart: at(30), deadline: at(40) });
    expect(reason(longSite(), j)).toBe(
      'not deferrable: runs 2026-03-03 14:00–17:00 Asia/Shanghai at west without pause',
    );
  });

  it('a deferrable job that starts or resumes tomorrow', () => {
    const green = wide(0).map((_, h) => (h >= 30 ? 1 : 0));
    const queued = job('later', { remainingHours: 2, deadline: at(40) });
    expect(reason(longSite({ greenMw: green }), queued)).toBe(
      'starts 2026-03-03 14:00 Asia/Shanghai at west on renewable supply',
    );
    const paused = job('paused', { state: 'paused', currentSite: 'west', remainingHours: 2, deadline: at(40) });
    expect(reason(longSite({ greenMw: green }), paused)).toMatch(
      /^paused: for greener hours; resumes 2026-03-03 14:00 Asia\/Shanghai at west/,
    );
  });

  it('the end of the forecasts, near or far', () => {
    const j = job('a', { remainingHours: 40, deadline: at(48) });
    expect(reason(longSite({ forecastHours: 30 }), j)).toContain(
      'runs past the forecasts (from 2026-03-03 14:00 Asia/Shanghai)',
    );
    expect(reason(longSite({ forecastHours: 6 }), j)).toContain('runs past the forecasts (from 14:00 Asia/Shanghai)');
  });
});

describe('plan reasons: the dataset wait, only when it holds the start', () => {
  it('says how long the job waits when the transfer decides its start', () => {
    const reason = reasonOf([site('west', flat(1))], job('a', { transferHours: { west: 2.5 } }));
    expect(reason).toBe(
      'starts 11:00 Asia/Shanghai at west on renewable supply; waits 2.5 h for its dataset to reach west',
    );
  });

  it('gives a wait under an hour in minutes, never as "0.0 h"', () => {
    const reason = reasonOf([site('west', flat(1))], job('a', { transferHours: { west: 0.04 } }));
    expect(reason).toBe(
      'starts 09:00 Asia/Shanghai at west on renewable supply; waits 2 min for its dataset to reach west',
    );
  });

  it('says nothing of a transfer done before the job would start anyway', () => {
    const green = Array.from({ length: 24 }, (_, h) => (h >= 6 ? 1 : 0));
    const reason = reasonOf([site('west', green)], job('a', { transferHours: { west: 0.5 } }));
    expect(reason).toBe('starts 14:00 Asia/Shanghai at west on renewable supply');
  });

  it('says nothing of a transfer of no time at all', () => {
    const reason = reasonOf([site('west', flat(1))], job('a', { transferHours: { west: 0 } }));
    expect(reason).toBe('starts now at west on renewable supply');
  });
});
