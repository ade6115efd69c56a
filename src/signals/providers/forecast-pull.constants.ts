/**
 * The queue of forecast pulls: one pull at a time across every instance (global concurrency 1),
 * so two instances never read a zone's stored hours and write them back over each other.
 */
export const FORECAST_PULL_QUEUE = 'forecast-pull';
/** A provider's tick: pull if due (refresh passed, or a back-off's retry time); data: PullJobData. */
export const FORECAST_PULL_JOB = 'pull';
/**
 * Ticks come this often (service clock) or every refresh if shorter, so a back-off's first retry
 * (a minute) is not held to the refresh interval; a tick that is not due only reads the status.
 */
export const PULL_TICK_MS = 60_000;
/** Job scheduler ids: one per zone and provider. */
export const PULL_SCHEDULER_PREFIX = 'forecast-pull:';
/** How far ahead a pull asks for, from the current hour. */
export const PULL_HORIZON_HOURS = 72;

export interface PullJobData {
  zone: string;
  provider: string;
}

export function pullSchedulerId(zone: string, provider: string): string {
  return `${PULL_SCHEDULER_PREFIX}${zone}:${provider}`;
}
