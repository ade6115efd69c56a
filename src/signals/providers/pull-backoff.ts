import type { ProviderFailure } from './forecast-provider.js';

/** The first retry after a failed pull, service-clock ms; each further failure doubles it. */
export const FIRST_RETRY_MS = 60_000;

/**
 * When to try a failing provider again, service-clock ms after the failure: 1, 2, 4 … minutes,
 * never later than the refresh interval, but never sooner than the provider asked (Retry-After, or
 * ENTSO-E's 10-minute ban). The provider counts its wait in real time: on a virtual clock running
 * `speed` times faster, it is that many times longer in service time.
 */
export function retryDelayMs(
  failure: ProviderFailure,
  consecutiveFailures: number,
  refreshMs: number,
  speed: number,
): number {
  const doubling = FIRST_RETRY_MS * 2 ** Math.min(30, Math.max(0, consecutiveFailures - 1));
  const backoff = Math.min(refreshMs, doubling);
  return Math.max(backoff, (failure.retryAfterMs ?? 0) * speed);
}
