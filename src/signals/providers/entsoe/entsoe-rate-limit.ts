/** A BullMQ worker limiter: at most `max` jobs in a fixed window of `duration` ms, counted in Redis for the queue. */
export interface QueueLimiter {
  max: number;
  duration: number;
}

/** Each budget window is cut into this many limiter windows. */
const SLICES = 4;

/**
 * The BullMQ limiter that keeps `requests` per `windowMs` in **any** window of that length.
 * BullMQ's limiter counts in fixed windows that start with the first job after the last one
 * expired, so `max` per `windowMs` could let 2 × max through around a window's end. With windows
 * of windowMs / 4 and max = requests / 6, a span of windowMs plus up to windowMs / 4 of delay
 * between a permit and its request meets at most 6 such windows: at most `requests` requests.
 * The sustained rate is 4 × max per period (264 of ENTSO-E's 400 a minute).
 */
export function limiterFor(requests: number, windowMs: number): QueueLimiter {
  return { max: Math.max(1, Math.floor(requests / (SLICES + 2))), duration: Math.floor(windowMs / SLICES) };
}

/** The tightest of several budgets (requests per windowMs), by rate. */
export function tightest(budgets: readonly { requests: number; windowMs: number }[]) {
  return budgets.reduce<{ requests: number; windowMs: number } | undefined>(
    (best, b) => (best === undefined || b.requests / b.windowMs < best.requests / best.windowMs ? b : best),
    undefined,
  );
}
