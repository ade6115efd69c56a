import type { DateTime } from 'luxon';
import { realMsUntil, virtualClock, type Clock } from '../../src/domain/time/clock.js';
import { HOUR_MS } from '../../src/domain/time/hours.js';

/**
 * A virtual clock that moves only when the test moves it (`advance`, in hours): no timing luck. With `realMs`
 * (`Date.now`) it also runs at the speed of the real one, for latencies measured in wall-clock time.
 */
export function steppedClock(start: DateTime, realMs: () => number = () => 0) {
  let offsetMs = 0;
  return {
    clock: virtualClock(start, 1, () => realMs() + offsetMs),
    advance: (hours: number) => (offsetMs += hours * HOUR_MS),
  };
}

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
