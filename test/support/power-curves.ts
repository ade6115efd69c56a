import type { PowerCurve } from '../../src/domain/energy/power-curve.js';

/**
 * Issue #20's example of how a job bends under a GPU power cap: 90% of its work rate at 70% of its
 * power, 70% at half, no lower. The tests of capping share it.
 */
export const ISSUE_POWER_CURVE: PowerCurve = {
  minFraction: 0.5,
  throughput: [
    [1, 1],
    [0.7, 0.9],
    [0.5, 0.7],
  ],
};
