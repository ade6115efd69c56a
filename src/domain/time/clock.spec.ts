import { DateTime } from 'luxon';
import { virtualClock } from './clock.js';

describe('virtual clock', () => {
  it('starts where told and runs speed times faster than real time', () => {
    let real = 1_000_000;
    const clock = virtualClock(DateTime.fromISO('2026-03-01T16:00:00+08:00'), 720, () => real);
    expect(clock.now().toISO()).toBe('2026-03-01T08:00:00.000Z');
    real += 5_000; // five real seconds
    expect(clock.now().toISO()).toBe('2026-03-01T09:00:00.000Z');
    expect(clock.speed).toBe(720);
  });
});
