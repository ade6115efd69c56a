/**
 * The queue of forecast pulls: one pull at a time across every instance (global concurrency 1),
 * so two instances never read a zone's stored hours and write them back over each other.
 */
export const FORECAST_PULL_QUEUE = 'forecast-pull';
/** One pull of one provider for one zone; data: PullJobData. */
export const FORECAST_PULL_JOB = 'pull';
/** A retry after a failed pull, delayed by the back-off; data: PullJobData. */
export const FORECAST_RETRY_JOB = 'retry';
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
