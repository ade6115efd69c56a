import { peakHeldMw, planCost } from './objective.js';
import { ISSUE_POWER_CURVE as CURVE } from '../../../test/support/power-curves.js';

describe('the peak rule’s count (peakHeldMw)', () => {
  it('counts what a job draws, and a job throttled to its curve’s minimum as paused', () => {
    expect(peakHeldMw(2, 1, undefined)).toBe(2);
    expect(peakHeldMw(2, 1, CURVE)).toBe(2);
    expect(peakHeldMw(2, 0.7, CURVE)).toBeCloseTo(1.4, 12);
    expect(peakHeldMw(2, CURVE.minFraction, CURVE)).toBe(0);
  });

  it('counts a job whose curve cannot go below full power at full power', () => {
    const rigid = { minFraction: 1, throughput: [[1, 1]] as [number, number][] };
    expect(peakHeldMw(2, 1, rigid)).toBe(2);
  });

  it('prices held peak MWh before any energy, and misses before both', () => {
    const totals = { deadlineMisses: 0, objective: 5, deferrablePeakMwh: 0 } as Parameters<typeof planCost>[0];
    expect(planCost({ ...totals, deferrablePeakMwh: 0.001 })).toBeGreaterThan(planCost({ ...totals, objective: 1e3 }));
    expect(planCost({ ...totals, deadlineMisses: 1 })).toBeGreaterThan(planCost({ ...totals, deferrablePeakMwh: 10 }));
  });
});
