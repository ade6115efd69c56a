import { DateTime } from 'luxon';
import { lpBound } from '../domain/planner/lp-bound.js';
import { plan } from '../domain/planner/plan.js';
import { readItpTrace } from './itp-trace.js';
import { readOpsdZones } from './opsd.js';
import { realDataInstance } from './planning-instance.js';

describe('regression on a fixed real-data instance (OPSD March 2019, ITP cluster04)', () => {
  const zones = readOpsdZones(DateTime.fromISO('2019-03-07T00:00:00Z', { zone: 'utc' }), 72);
  const trace = readItpTrace('data/itp-traces/cluster04.csv').filter((t) => t.submitSeconds < 1.5 * 86400);
  const { input } = realDataInstance({ zones, trace, sitesPerZone: 1, gpusPerSite: 128 });

  it('builds the instance by its stated rules', () => {
    expect(input.sites.map((s) => s.id)).toEqual(['50hertz-1', 'amprion-1', 'tennet-1', 'transnetbw-1']);
    expect(input.jobs.length).toBe(28);
    expect(input.jobs.every((j) => j.deadline.diff(j.earliestStart, 'hours').hours >= Math.max(2 * j.remainingHours, j.remainingHours + 12) - 1e-9)).toBe(true);
  });

  it('westwind stays within 2% of total AI energy of the LP bound, with ≥ 97% of its green energy and no missed deadline', async () => {
    const westwind = plan(input);
    const bound = await lpBound(input, westwind);
    expect(bound.unmetWorkHours).toBeLessThan(1e-6);
    expect(westwind.totals.deadlineMisses).toBe(0);
    expect(westwind.totals.objective - bound.objective).toBeLessThanOrEqual(0.02 * westwind.totals.energyMwh);
    expect(westwind.totals.greenMwh).toBeGreaterThanOrEqual(0.97 * bound.greenMwh);
    expect(westwind.totals.peakGridMwh).toBe(0);
  });

  it('beats both baselines on grid energy', () => {
    const grid = (strategy: 'westwind' | 'fifo' | 'peak-pause') => plan({ ...input, options: { strategy } }).totals.gridMwh;
    expect(grid('westwind')).toBeLessThan(grid('peak-pause'));
    expect(grid('westwind')).toBeLessThan(grid('fifo'));
  });
});
