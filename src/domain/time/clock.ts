import { DateTime } from 'luxon';

/**
 * The service's single source of "now". Everything that needs the current instant asks a Clock,
 * so tests and the demo can run on virtual time. Instants are always UTC.
 */
export interface Clock {
  now(): DateTime<true>;
}

export const systemClock: Clock = {
  now: () => DateTime.utc() as DateTime<true>,
};
