import type { Redis } from 'ioredis';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { keyDigest } from '../../../auth/bearer.js';
import { RedisKeys } from '../../../redis/redis-keys.js';

/** What every job events token starts with, so the events path tells it from a site's agent key. */
export const JOB_TOKEN_PREFIX = 'wwjob_';
/** A token's shape: the prefix and 32 random bytes, base64url. */
const JOB_TOKEN = /^wwjob_[A-Za-z0-9_-]{43}$/;
/**
 * A backstop: a token is removed when its job has ended and its Slurm job too (SlurmSites); one whose
 * removal was missed (Westwind away longer than MinJobAge) goes after this long.
 */
const TOKEN_TTL_SECONDS = 400 * 24 * 3600;

/**
 * Per-job tokens for the batch script's own reports (POST /v1/jobs/:id/events): issued when the job is
 * submitted to a Slurm site, handed to the script as WESTWIND_EVENTS_TOKEN, good for that one job and
 * only from that site. Only the token's SHA-256 digest is kept, in Redis beside the site that issued it.
 */
export class SlurmJobTokens {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  /** A new token for the job at the site, replacing any earlier one (its Slurm job was cancelled or never made). */
  async issue(site: string, jobId: string): Promise<string> {
    const token = JOB_TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const key = this.keys.slurmJobToken(jobId);
    await this.redis
      .multi()
      .del(key)
      .hset(key, 'site', site, 'digest', keyDigest(token))
      .expire(key, TOKEN_TTL_SECONDS)
      .exec();
    return token;
  }

  /** The site whose Slurm job holds this token for the job, or undefined when it is not the job's token. */
  async siteOf(jobId: string, token: string): Promise<string | undefined> {
    if (!JOB_TOKEN.test(token)) return undefined;
    const [site, digest] = await this.redis.hmget(this.keys.slurmJobToken(jobId), 'site', 'digest');
    if (!site || !digest) return undefined;
    const expected = Buffer.from(digest);
    const presented = Buffer.from(keyDigest(token));
    return expected.length === presented.length && timingSafeEqual(expected, presented) ? site : undefined;
  }

  /** The job's token stops working (its job and Slurm job have ended). */
  async revoke(jobId: string): Promise<void> {
    await this.redis.del(this.keys.slurmJobToken(jobId));
  }
}

export function isJobToken(token: string): boolean {
  return token.startsWith(JOB_TOKEN_PREFIX);
}
