import type { DateTime } from 'luxon';
import { realMsUntil, type Clock } from '../../src/domain/time/clock.js';

/** Waits (in real time) until `clock` shows `instant`; returns at once if it has passed. */
export async function untilClockAt(clock: Clock, instant: DateTime): Promise<void> {
  for (;;) {
    const ms = realMsUntil(clock, instant);
    if (ms <= 0) return;
    await new Promise((r) => setTimeout(r, Math.ceil(ms)));
  }
}

/**
 * Waits until the next whole hour on `clock` begins, and returns it: a test that acts then knows
 * which hour it acted in, however long start-up took, and has the whole hour before the next.
 */
export async function untilNextHour(clock: Clock): Promise<DateTime> {
  const hour = clock.now().startOf('hour').plus({ hours: 1 });
  await untilClockAt(clock, hour);
  return hour;
}
