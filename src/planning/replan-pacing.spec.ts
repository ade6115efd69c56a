import { REPLAN_MIN_INTERVAL_MS } from './planning.constants.js';
import { restAfterReplanMs } from './replan-pacing.js';

describe('rest after a re-plan', () => {
  it('is the minimum interval after a quick re-plan', () => {
    expect(restAfterReplanMs(20)).toBe(REPLAN_MIN_INTERVAL_MS);
  });

  it('keeps a slow re-plan to a quarter of the time: three times its duration', () => {
    expect(restAfterReplanMs(800)).toBe(2400);
  });

  it('never holds back more than a 120th of a service-clock hour', () => {
    expect(restAfterReplanMs(20_000)).toBe(30_000);
    // At 600× an hour lasts 6 real seconds: the cap falls under the minimum, which wins.
    expect(restAfterReplanMs(800, 600)).toBe(REPLAN_MIN_INTERVAL_MS);
    expect(restAfterReplanMs(800, 60)).toBe(500);
  });
});
