import { Inject, Injectable } from '@nestjs/common';
import { Redis } from 'ioredis';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { keyDigest } from '../auth/bearer.js';
import { RedisKeys } from '../redis/redis-keys.js';

/** What every job events token starts with, so the events path tells it from a site's agent key. */
export const JOB_TOKEN_PREFIX = 'wwjob_';
/** A token's shape: the prefix and 32 random bytes, base64url. */
const JOB_TOKEN = /^wwjob_[A-Za-z0-9_-]{43}$/;
/**
 * A backstop: the executor that issued a token removes it once the job is over there too (a Slurm site:
 * SlurmSites); one whose removal was missed (e.g. Westwind away longer than Slurm's MinJobAge) goes after
 * this long.
 */
const TOKEN_TTL_SECONDS = 400 * 24 * 3600;

/**
 * Per-job events tokens, for a job's own reports (POST /v1/jobs/:id/events): an executor issues one when
 * it hands the job to its site (a Slurm site gives it to the batch script as WESTWIND_EVENTS_TOKEN); it is
 * good for that one job and speaks only for that site. Only the token's SHA-256 digest is kept, in Redis
 * beside the site that issued it.
 */
@Injectable()
export class JobEventTokens {
  constructor(
    @Inject(Redis) private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  /** A new token for the job at the site, replacing any earlier one (the job was handed over again). */
  async issue(site: string, jobId: string): Promise<string> {
    const token = JOB_TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const key = this.keys.jobEventToken(jobId);
    await this.redis
      .multi()
      .del(key)
      .hset(key, 'site', site, 'digest', keyDigest(token))
      .expire(key, TOKEN_TTL_SECONDS)
      .exec();
    return token;
  }

  /** The site that issued this token for the job, or undefined when it is not the job's token. */
  async siteOf(jobId: string, token: string): Promise<string | undefined> {
    if (!JOB_TOKEN.test(token)) return undefined;
    const [site, digest] = await this.redis.hmget(this.keys.jobEventToken(jobId), 'site', 'digest');
    if (!site || !digest) return undefined;
    const expected = Buffer.from(digest);
    const presented = Buffer.from(keyDigest(token));
    return expected.length === presented.length && timingSafeEqual(expected, presented) ? site : undefined;
  }

  /** The job's token stops working (the job is over, at its site too). */
  async revoke(jobId: string): Promise<void> {
    await this.redis.del(this.keys.jobEventToken(jobId));
  }
}

/** Whether a bearer token is meant as a job's events token (rather than a site agent's key). */
export function isJobToken(token: string): boolean {
  return token.startsWith(JOB_TOKEN_PREFIX);
}
