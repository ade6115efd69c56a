import { Inject, Injectable } from '@nestjs/common';
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
export class EventReportsRepository {
  constructor(
    @Inject(Redis) private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  async get(key: string): Promise<GridEventRecord | undefined> {
    const text = await this.redis.hget(this.keys.gridEventReports(), key);
    return text === null ? undefined : (JSON.parse(text) as GridEventRecord);
  }

  async put(record: GridEventRecord): Promise<void> {
    await this.redis.hset(this.keys.gridEventReports(), record.key, JSON.stringify(record));
  }

  async all(): Promise<GridEventRecord[]> {
    return (await this.redis.hvals(this.keys.gridEventReports())).map((text) => JSON.parse(text) as GridEventRecord);
  }

  /** Forgets records (and their report status) of events that ended before `beforeMs`; returns how many. */
  async pruneEndedBefore(beforeMs: number): Promise<number> {
    const old = (await this.all()).filter((record) => record.endMs < beforeMs).map((record) => record.key);
    if (old.length > 0)
      await this.redis
        .multi()
        .hdel(this.keys.gridEventReports(), ...old)
        .hdel(this.keys.gridEventVtnReports(), ...old)
        .exec();
    return old.length;
  }

  async vtnStatus(key: string): Promise<VtnReportStatus | undefined> {
    const text = await this.redis.hget(this.keys.gridEventVtnReports(), key);
    return text === null ? undefined : (JSON.parse(text) as VtnReportStatus);
  }

  async setVtnStatus(key: string, status: VtnReportStatus): Promise<void> {
    await this.redis.hset(this.keys.gridEventVtnReports(), key, JSON.stringify(status));
  }
}
