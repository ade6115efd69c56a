/** What ioredis says when it could not reach Redis (as opposed to an error Redis answered with). */
const TRANSIENT_MESSAGE =
  /Stream isn't writeable|Connection is closed|Command timed out|enableOfflineQueue|LOADING|READONLY|CLUSTERDOWN/i;

/**
 * True when an error means Redis could not be reached (down, restarting, partitioned, too slow),
 * as opposed to Redis answering with an error. Such requests get 503 + Retry-After: the client
 * may retry, and nothing was acknowledged.
 */
export function isRedisUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name === 'MaxRetriesPerRequestError' || error.name === 'ClusterAllFailedError') return true;
  const code = (error as NodeJS.ErrnoException).code;
  if (code && ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND'].includes(code))
    return true;
  return TRANSIENT_MESSAGE.test(error.message);
}
