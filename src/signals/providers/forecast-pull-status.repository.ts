import { Inject, Injectable } from '@nestjs/common';
import { Redis } from 'ioredis';
import { RedisKeys } from '../../redis/redis-keys.js';
import { execTransaction } from '../../redis/transaction.js';
import type { ProviderFailureKind } from './forecast-provider.js';

/** The last failed pull of a zone's provider: kind and message (credentials never reach it). */
export interface PullError {
  kind: ProviderFailureKind;
  message: string;
  status?: number;
  /** Service clock, epoch ms. */
  at: number;
}

/** What the service knows of one provider of one zone; instants are service-clock epoch ms. */
export interface PullStatus {
  lastAttemptAt?: number;
  lastSuccessAt?: number;
  /** issuedAt of the provider's last good forecast. */
  issuedAt?: number;
  /** Of the last good pull: hours stored, hours without supply and load to lay them on, hours as stored. */
  hoursStored?: number;
  hoursIncomplete?: number;
  hoursUnchanged?: number;
  lastError?: PullError;
  consecutiveFailures: number;
  /** Backing off: scheduled pulls before this are skipped. */
  nextAttemptAt?: number;
}

/** Pull statuses and failure counts, in Redis: any instance's GET /v1/zones and /metrics shows them. */
@Injectable()
export class ForecastPullStatusRepository {
  constructor(
    @Inject(Redis) private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  async get(zone: string, provider: string): Promise<PullStatus> {
    const text = await this.redis.hget(this.keys.forecastPulls(zone), provider);
    return text ? (JSON.parse(text) as PullStatus) : { consecutiveFailures: 0 };
  }

  async all(zone: string): Promise<Map<string, PullStatus>> {
    const entries = Object.entries(await this.redis.hgetall(this.keys.forecastPulls(zone)));
    return new Map(entries.map(([provider, text]) => [provider, JSON.parse(text) as PullStatus]));
  }

  async put(zone: string, provider: string, status: PullStatus): Promise<void> {
    await this.redis.hset(this.keys.forecastPulls(zone), provider, JSON.stringify(status));
  }

  /** Stores the failed pull's status and counts it, in one step. */
  async putFailure(zone: string, provider: string, status: PullStatus, kind: ProviderFailureKind): Promise<void> {
    const multi = this.redis
      .multi()
      .hset(this.keys.forecastPulls(zone), provider, JSON.stringify(status))
      .hincrby(this.keys.forecastPullErrors(), `${zone}|${provider}|${kind}`, 1);
    await execTransaction(multi, 'forecast pull status');
  }

  /** Failed pulls by zone, provider and kind, since the deployment began. */
  async errorCounts(): Promise<{ zone: string; provider: string; kind: string; count: number }[]> {
    const counts = await this.redis.hgetall(this.keys.forecastPullErrors());
    return Object.entries(counts).map(([field, count]) => {
      const [zone, provider, kind] = field.split('|');
      return { zone, provider, kind, count: Number(count) };
    });
  }
}
