import { DateTime } from 'luxon';
import { HOUR_MS } from './hours.js';

/**
 * The service's single source of "now". Everything that needs the current instant asks a Clock,
 * so tests and the demo can run on virtual time. Instants are always UTC.
 */
export interface Clock {
  now(): DateTime<true>;
  /** Simulated seconds per real second: 1 for the real clock. */
  readonly speed: number;
}

export const systemClock: Clock = {
  now: () => DateTime.utc(),
  speed: 1,
};

/**
 * A clock that starts at `start` and runs `speed` times faster than real time (720: one hour
 * every 5 seconds), so a demo or a test can watch a day of grid signals within minutes.
 */
export function virtualClock(start: DateTime, speed: number, realMs: () => number = () => Date.now()): Clock {
  const realStart = realMs();
  const startMs = start.toMillis();
  return {
    now: () => DateTime.fromMillis(startMs + (realMs() - realStart) * speed, { zone: 'utc' }) as DateTime<true>,
    speed,
  };
}

/** Real milliseconds until the clock shows `instant` (negative once it has passed). */
export function realMsUntil(clock: Clock, instant: DateTime): number {
  return (instant.toMillis() - clock.now().toMillis()) / clock.speed;
}

/**
 * A BullMQ repeat (`every` real ms, at multiples of it plus `offset`) that fires `pastTheHourMs` (service ms) into
 * every hour of the clock; a virtual clock's hours pass faster, and never more often than once a real second.
 */
export function hourlyRepeat(clock: Clock, pastTheHourMs = 0): { every: number; offset: number } {
  const every = Math.max(1000, Math.round(HOUR_MS / clock.speed));
  const next = clock.now().startOf('hour').plus({ hours: 1, milliseconds: pastTheHourMs });
  const offset = Math.round(Date.now() + realMsUntil(clock, next)) % every || every;
  return { every, offset };
}
