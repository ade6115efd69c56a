import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { Redis } from 'ioredis';
import type { CurtailmentBaseline } from '../domain/energy/curtailment.js';
import { RedisKeys } from '../redis/redis-keys.js';
import type { GridEventSource } from '../signals/grid-event-hooks.js';

/** A grid event as its curtailment report needs it: where it came from, its hours and baseline. */
export interface GridEventRecord {
  key: string;
  zone: string;
  sites: string[];
  source: GridEventSource;
  /** The service clock when the event first arrived, and when it last changed. */
  receivedAt: string;
  updatedAt: string;
  /** Withdrawn by its sender (DELETE): hours from then on are no longer its. */
  deletedAt?: string;
  /** The event's span, UTC ms (its latest version). */
  startMs: number;
  endMs: number;
  /** Why it sheds load at once, if it does (SIMPLE level ≥ 2, grid alerts). */
  emergency?: string;
  /** The plan version the baseline was taken from (null: no plan yet, nothing was drawn). */
  planVersion: number | null;
  baseline: CurtailmentBaseline;
}

/**
 * Replaces (ARGV[3]) or forgets ('', with its report status in KEYS[2]) the record of event ARGV[1]
 * in KEYS[1] only if it is unchanged since it was read (ARGV[2], '' when there was none):
 * compare-and-set, as JobsRepository.update, because WATCH would need a connection per request.
 */
const REPLACE_RECORD = `
if (redis.call('HGET', KEYS[1], ARGV[1]) or '') ~= ARGV[2] then return 0 end
if ARGV[3] == '' then
  redis.call('HDEL', KEYS[1], ARGV[1])
  redis.call('HDEL', KEYS[2], ARGV[1])
else
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
end
return 1`;

type RecordsRedis = Redis & {
  replaceRecord(records: string, statuses: string, key: string, expected: string, next: string): Promise<number>;
};

export type VtnReportState = 'waiting' | 'retrying' | 'sent' | 'failed' | 'not-sent';

/** Where an event's OpenADR report to its VTN stands. */
export interface VtnReportStatus {
  state: VtnReportState;
  /** Tries made so far. */
  attempts: number;
  /** The service clock of the last change. */
  at: string;
  /** The VTN's id of the stored report (sent), or why it was not sent, or the last failure. */
  reportId?: string;
  detail?: string;
}

/**
 * Grid event records and the state of their reports to the VTN, one hash each, field = event key:
 * the report's status changes while the record may be updated by the event's sender.
 */
@Injectable()
export class EventReportsRepository implements OnModuleInit {
  private readonly redis: RecordsRedis;

  constructor(
    @Inject(Redis) redis: Redis,
    private readonly keys: RedisKeys,
  ) {
    this.redis = redis as RecordsRedis;
  }

  onModuleInit(): void {
    if (!this.redis.replaceRecord) this.redis.defineCommand('replaceRecord', { numberOfKeys: 2, lua: REPLACE_RECORD });
  }

  async get(key: string): Promise<GridEventRecord | undefined> {
    const text = await this.redis.hget(this.keys.gridEventReports(), key);
    return text === null ? undefined : (JSON.parse(text) as GridEventRecord);
  }

  /**
   * Applies `change` to the record of event `key` (undefined: none yet) and stores what it returns
   * (undefined: nothing to store), retrying when another instance changed the record in between
   * (the same event handled twice, a VTN's retry): no baseline or deletion is lost. Returns the
   * record as it was and what `change` made of it.
   */
  async update<T extends GridEventRecord | undefined>(
    key: string,
    change: (record: GridEventRecord | undefined) => T,
  ): Promise<{ before?: GridEventRecord; after: T }> {
    for (;;) {
      const expected = await this.redis.hget(this.keys.gridEventReports(), key);
      const before = expected === null ? undefined : (JSON.parse(expected) as GridEventRecord);
      const after = change(before);
      if (after === undefined) return { before, after };
      if (await this.replace(key, expected ?? '', JSON.stringify(after))) return { before, after };
    }
  }

  async all(): Promise<GridEventRecord[]> {
    return (await this.redis.hvals(this.keys.gridEventReports())).map((text) => JSON.parse(text) as GridEventRecord);
  }

  /**
   * Forgets records (and their report status) of events that ended before `beforeMs`, each only
   * if unchanged since read (an update may have moved its end); returns how many.
   */
  async pruneEndedBefore(beforeMs: number): Promise<number> {
    const texts = Object.entries(await this.redis.hgetall(this.keys.gridEventReports()));
    const old = texts.filter(([, text]) => (JSON.parse(text) as GridEventRecord).endMs < beforeMs);
    let forgotten = 0;
    for (const [key, text] of old) if (await this.replace(key, text, '')) forgotten++;
    return forgotten;
  }

  /** Stores `next` (or forgets the record, '') if the record is still `expected` ('' for none). */
  private async replace(key: string, expected: string, next: string): Promise<boolean> {
    const keys = this.keys;
    return (
      (await this.redis.replaceRecord(keys.gridEventReports(), keys.gridEventVtnReports(), key, expected, next)) === 1
    );
  }

  async vtnStatus(key: string): Promise<VtnReportStatus | undefined> {
    const text = await this.redis.hget(this.keys.gridEventVtnReports(), key);
    return text === null ? undefined : (JSON.parse(text) as VtnReportStatus);
  }

  async setVtnStatus(key: string, status: VtnReportStatus): Promise<void> {
    await this.redis.hset(this.keys.gridEventVtnReports(), key, JSON.stringify(status));
  }
}
