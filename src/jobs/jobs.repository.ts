import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import type { ChainableCommander } from 'ioredis';
import { Redis } from 'ioredis';
import { Job, JOB_STATES, JobState } from '../domain/jobs/job.js';
import { isTerminal } from '../domain/jobs/job-state-machine.js';
import { SiteConfig, WestwindConfig } from '../config/westwind-config.js';
import { closedSegmentEnergy, type HourlyMwh } from '../domain/energy/energy-meter.js';
import { jobPowerMw } from '../domain/energy/power.js';
import { gpusHeld } from '../domain/execution/job-run.js';
import type { Change } from '../redis/change-feed.js';
import { RedisKeys } from '../redis/redis-keys.js';
import { execTransaction } from '../redis/transaction.js';

/**
 * Replaces a job record only if it is unchanged since it was read (compare-and-set), moving it
 * between the state indexes in the same step, from the active set (KEYS[4]) to the finished one
 * (KEYS[6]) when it finishes (ARGV[4]: when, epoch ms; '' while not finished), and adding the
 * energy of a run segment it closed to the site's energy ledger (KEYS[5], pairs of hour and MWh
 * from ARGV[10]), so each segment is metered exactly once, and moving its GPUs between the sites'
 * GPUs-held tallies (from KEYS[7] when ARGV[7] is '1', to KEYS[8] as ARGV[8] GPUs unless '');
 * then announces the change (channel ARGV[5], message ARGV[6]). With a limit (ARGV[9]), a job
 * arriving at a site whose tally would pass it is not stored (returns 2): two workers in two
 * processes cannot both fill the last GPUs. A Lua script, because WATCH would need a connection
 * per request.
 */
const REPLACE_JOB = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[9] ~= '' then
  local held = tonumber(ARGV[8])
  for _, gpus in ipairs(redis.call('HVALS', KEYS[8])) do held = held + tonumber(gpus) end
  held = held - tonumber(redis.call('HGET', KEYS[8], ARGV[3]) or '0')
  if held > tonumber(ARGV[9]) then return 2 end
end
redis.call('SET', KEYS[1], ARGV[2])
if KEYS[2] ~= KEYS[3] then
  redis.call('ZREM', KEYS[2], ARGV[3])
  redis.call('ZADD', KEYS[3], 0, ARGV[3])
end
if ARGV[4] ~= '' then
  redis.call('ZREM', KEYS[4], ARGV[3])
  redis.call('ZADD', KEYS[6], ARGV[4], ARGV[3])
end
for i = 10, #ARGV, 2 do redis.call('HINCRBYFLOAT', KEYS[5], ARGV[i], ARGV[i + 1]) end
if ARGV[7] == '1' then redis.call('HDEL', KEYS[7], ARGV[3]) end
if ARGV[8] ~= '' then redis.call('HSET', KEYS[8], ARGV[3], ARGV[8]) end
redis.call('PUBLISH', ARGV[5], ARGV[6])
return 1`;

/**
 * Sets one job's entry in the sites' GPUs-held tallies (KEYS[2…]) from its record (KEYS[1]), if the
 * record is still ARGV[1]: at ARGV[3] (the index of its site's key) with ARGV[4] GPUs, or nowhere.
 */
const SYNC_GPUS_HELD = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
for i = 2, #KEYS do redis.call('HDEL', KEYS[i], ARGV[2]) end
if ARGV[3] ~= '' then redis.call('HSET', KEYS[tonumber(ARGV[3])], ARGV[2], ARGV[4]) end
return 1`;

export class JobNotFoundError extends Error {}

/** The change would have the job hold GPUs at a site that has none left for it (`update`'s `withinSiteGpus`). */
export class SiteFullError extends Error {}

/** Finished jobs forgotten per transaction. */
const PRUNE_BATCH = 500;

function jobChangeMessage(job: Job): string {
  return JSON.stringify({ kind: 'job', id: job.id, state: job.state } satisfies Change);
}

export interface JobPage {
  jobs: Job[];
  /** The id to continue after, when there are more. */
  after?: string;
}

type JobsRedis = Redis & {
  replaceJob(
    job: string,
    fromIndex: string,
    toIndex: string,
    active: string,
    ledger: string,
    finished: string,
    heldFrom: string,
    heldAt: string,
    expected: string,
    next: string,
    id: string,
    finishedAtMs: string,
    channel: string,
    message: string,
    leavesHeld: string,
    heldGpus: string,
    gpuLimit: string,
    ...energy: (string | number)[]
  ): Promise<number>;
  syncGpusHeld?: unknown;
};

/** Job records in Redis: the record, the tenant's indexes and the active set change together. */
@Injectable()
export class JobsRepository implements OnModuleInit {
  private readonly sites: Map<string, SiteConfig>;

  constructor(
    @Inject(Redis) private readonly redis: JobsRedis,
    private readonly keys: RedisKeys,
    config: WestwindConfig,
  ) {
    this.sites = new Map(config.sites.map((site) => [site.id, site]));
  }

  onModuleInit(): void {
    if (!this.redis.replaceJob) this.redis.defineCommand('replaceJob', { numberOfKeys: 8, lua: REPLACE_JOB });
    if (!this.redis.syncGpusHeld) this.redis.defineCommand('syncGpusHeld', { lua: SYNC_GPUS_HELD });
  }

  /** Stores a new job atomically with its index entries and whatever `alsoInSameTransaction` adds. */
  async create(job: Job, alsoInSameTransaction?: (multi: ChainableCommander) => void): Promise<void> {
    const multi = this.redis
      .multi()
      .set(this.keys.job(job.id), JSON.stringify(job), 'NX')
      .zadd(this.keys.tenantJobs(job.tenant), 0, job.id)
      .zadd(this.keys.tenantJobsInState(job.tenant, job.state), 0, job.id)
      .zadd(this.keys.activeJobs(), Date.parse(job.submittedAt), job.id)
      .publish(this.keys.changes(), jobChangeMessage(job));
    alsoInSameTransaction?.(multi);
    await execTransaction(multi, 'job');
  }

  async get(id: string): Promise<Job | undefined> {
    const text = await this.redis.get(this.keys.job(id));
    return text === null ? undefined : (JSON.parse(text) as Job);
  }

  /** Every job not yet finished (the planner's input), oldest submission first. */
  async active(): Promise<Job[]> {
    return this.read(await this.redis.zrange(this.keys.activeJobs(), '0', '-1'));
  }

  /** The records of these ids, in order, skipping any that are gone; MGET in chunks. */
  private async read(ids: readonly string[]): Promise<Job[]> {
    const jobs: Job[] = [];
    for (let i = 0; i < ids.length; i += 1000) {
      const texts = await this.redis.mget(ids.slice(i, i + 1000).map((id) => this.keys.job(id)));
      for (const text of texts) if (text !== null) jobs.push(JSON.parse(text) as Job);
    }
    return jobs;
  }

  /** Every job of these tenants in one state (from the state indexes). */
  async inState(tenants: readonly string[], state: JobState): Promise<Job[]> {
    const ids = (
      await Promise.all(tenants.map((t) => this.redis.zrange(this.keys.tenantJobsInState(t, state), '0', '-1')))
    ).flat();
    return this.read(ids);
  }

  /** How many jobs of these tenants are in each state (from the state indexes, one pipeline). */
  async countByState(tenants: readonly string[]): Promise<Record<JobState, number>> {
    const pipeline = this.redis.pipeline();
    for (const tenant of tenants)
      for (const state of JOB_STATES) pipeline.zcard(this.keys.tenantJobsInState(tenant, state));
    const results = (await pipeline.exec()) ?? [];
    const counts = Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as Record<JobState, number>;
    results.forEach(([error, count], i) => {
      if (error) throw error;
      counts[JOB_STATES[i % JOB_STATES.length]] += count as number;
    });
    return counts;
  }

  /** A tenant's jobs newest first, optionally in one state, continuing after the id `after`. */
  async page(tenant: string, state: JobState | undefined, limit: number, after?: string): Promise<JobPage> {
    const index = state ? this.keys.tenantJobsInState(tenant, state) : this.keys.tenantJobs(tenant);
    const ids = await this.redis.zrange(index, after ? `(${after}` : '+', '-', 'BYLEX', 'REV', 'LIMIT', 0, limit + 1);
    const pageIds = ids.slice(0, limit);
    const texts = pageIds.length > 0 ? await this.redis.mget(pageIds.map((id) => this.keys.job(id))) : [];
    const jobs = texts.filter((t): t is string => t !== null).map((t) => JSON.parse(t) as Job);
    return { jobs, after: ids.length > limit ? pageIds[pageIds.length - 1] : undefined };
  }

  /**
   * Applies `change` to the current record and stores the result, retrying when another writer
   * got there first. `change` may throw (an illegal transition) and then nothing is written.
   * `withinSiteGpus`: a change that has the job take GPUs at a site (a claimed start or resume) is
   * stored only if the GPUs held there, its own included, stay within the site's count; else
   * SiteFullError. What a site reports it did is recorded without the check: it is what happened.
   */
  async update(id: string, change: (job: Job) => Job, options: { withinSiteGpus?: boolean } = {}): Promise<Job> {
    for (;;) {
      const expected = await this.redis.get(this.keys.job(id));
      if (expected === null) throw new JobNotFoundError(id);
      const current = JSON.parse(expected) as Job;
      const next = change(current);
      if (next === current) return current;
      // Only the last segment is ever open, so a change closes at most one.
      const [closed] = closedSegmentEnergy(current.run?.segments, next.run?.segments, (site) =>
        this.powerMw(next, site),
      );
      const [heldBefore, heldAfter] = [gpusHeld(current), gpusHeld(next)];
      const arrives = heldAfter !== undefined && heldAfter.site !== heldBefore?.site;
      const limit = arrives && options.withinSiteGpus ? this.sites.get(heldAfter.site)?.gpus : undefined;
      const stored = await this.redis.replaceJob(
        this.keys.job(id),
        this.keys.tenantJobsInState(current.tenant, current.state),
        this.keys.tenantJobsInState(next.tenant, next.state),
        this.keys.activeJobs(),
        // The ledger and tallies are touched only when they change; their keys are passed either way.
        this.keys.siteEnergy(closed?.site ?? next.run?.site ?? ''),
        this.keys.finishedJobs(),
        this.keys.siteGpusHeld(heldBefore?.site ?? ''),
        this.keys.siteGpusHeld(heldAfter?.site ?? ''),
        expected,
        JSON.stringify(next),
        id,
        // A job finishes with its last state change.
        isTerminal(next.state) ? String(Date.parse(next.history.at(-1)!.at)) : '',
        this.keys.changes(),
        jobChangeMessage(next),
        heldBefore ? '1' : '',
        heldAfter ? String(heldAfter.gpus) : '',
        limit !== undefined ? String(limit) : '',
        ...[...(closed?.mwh ?? [])].flat(),
      );
      if (stored === 2) throw new SiteFullError(`${heldAfter!.site} has no ${heldAfter!.gpus} GPUs free`);
      if (stored === 1) return next;
    }
  }

  /** GPUs held at the site now, by job id (running there, or a start or resume claimed there). */
  async gpusHeldAt(site: string): Promise<Map<string, number>> {
    const tally = await this.redis.hgetall(this.keys.siteGpusHeld(site));
    return new Map(Object.entries(tally).map(([id, gpus]) => [id, Number(gpus)]));
  }

  /**
   * Sets every active job's entry in the GPUs-held tallies from its record: for records stored before
   * the tallies were kept (every change keeps them since). A record changing meanwhile keeps its own.
   */
  async syncGpusHeld(): Promise<void> {
    const sites = [...this.sites.keys()];
    const siteKeys = sites.map((site) => this.keys.siteGpusHeld(site));
    const ids = await this.redis.zrange(this.keys.activeJobs(), '0', '-1');
    for (let i = 0; i < ids.length; i += 1000) {
      const chunk = ids.slice(i, i + 1000);
      const texts = await this.redis.mget(chunk.map((id) => this.keys.job(id)));
      // defineCommand adds the script to pipelines too.
      const pipeline = this.redis.pipeline() as ChainableCommander & {
        syncGpusHeld(keyCount: number, ...keysThenArgs: string[]): ChainableCommander;
      };
      texts.forEach((text, j) => {
        if (text === null) return;
        const held = gpusHeld(JSON.parse(text) as Job);
        const at = held ? sites.indexOf(held.site) : -1;
        // KEYS[1] is the record, so the site at index `at` is KEYS[at + 2].
        const site = at >= 0 ? String(at + 2) : '';
        const args = [text, chunk[j], site, String(held?.gpus ?? '')];
        pipeline.syncGpusHeld(1 + siteKeys.length, this.keys.job(chunk[j]), ...siteKeys, ...args);
      });
      await pipeline.exec();
    }
  }

  /**
   * Forgets jobs that finished before `beforeMs` — record and index entries, in one transaction
   * per batch — so Redis holds finished jobs for the retention window only; returns how many.
   */
  async pruneFinished(beforeMs: number): Promise<number> {
    let pruned = 0;
    for (;;) {
      const ids = await this.redis.zrange(
        this.keys.finishedJobs(),
        '-inf',
        String(beforeMs),
        'BYSCORE',
        'LIMIT',
        0,
        PRUNE_BATCH,
      );
      if (ids.length === 0) return pruned;
      const multi = this.redis
        .multi()
        .zrem(this.keys.finishedJobs(), ...ids)
        .del(...ids.map((id) => this.keys.job(id)));
      for (const job of await this.read(ids))
        multi
          .zrem(this.keys.tenantJobs(job.tenant), job.id)
          .zrem(this.keys.tenantJobsInState(job.tenant, job.state), job.id);
      await execTransaction(multi, 'job prune');
      pruned += ids.length;
    }
  }

  /** Jobs that finished at or after `fromMs` (epoch ms, service clock), with when, oldest first. */
  async finishedSince(fromMs: number): Promise<{ id: string; finishedMs: number }[]> {
    const flat = await this.redis.zrange(this.keys.finishedJobs(), String(fromMs), '+inf', 'BYSCORE', 'WITHSCORES');
    const finished: { id: string; finishedMs: number }[] = [];
    for (let i = 0; i < flat.length; i += 2) finished.push({ id: flat[i], finishedMs: Number(flat[i + 1]) });
    return finished;
  }

  /** A site's energy ledger: AI energy its closed run segments used, MWh by hour (epoch ms). */
  async meteredEnergy(site: string): Promise<HourlyMwh> {
    const ledger = await this.redis.hgetall(this.keys.siteEnergy(site));
    return new Map(Object.entries(ledger).map(([hour, mwh]) => [Number(hour), Number(mwh)]));
  }

  /** Forgets metered energy of hours before `beforeMs` in every site's ledger; returns how many hours. */
  async pruneEnergy(beforeMs: number): Promise<number> {
    let pruned = 0;
    for (const site of this.sites.keys()) {
      const old = (await this.redis.hkeys(this.keys.siteEnergy(site))).filter((hour) => Number(hour) < beforeMs);
      for (let i = 0; i < old.length; i += 1000)
        await this.redis.hdel(this.keys.siteEnergy(site), ...old.slice(i, i + 1000));
      pruned += old.length;
    }
    return pruned;
  }

  /** Facility power of the job at a site, MW (0 for a site no longer configured). */
  powerMw(job: Pick<Job, 'gpus'>, site: string): number {
    const config = this.sites.get(site);
    return config ? jobPowerMw(job.gpus, config.kwPerGpu, config.pue) : 0;
  }
}
