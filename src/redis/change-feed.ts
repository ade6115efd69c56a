import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { Observable, share, Subject, takeUntil } from 'rxjs';
import { duplicate } from './redis-connection.js';
import { RedisKeys } from './redis-keys.js';

/** A change some instance made: a new plan, or a job stored in a new state. */
export type Change = { kind: 'plan'; version: number } | { kind: 'job'; id: string; state: string };

/**
 * Changes from every instance, over Redis pub/sub: the writers publish in the same transaction
 * as the write (jobs repository, plan store), so a dashboard served by any instance sees them all.
 * Best effort by design — a watcher re-reads state on a change, it never relies on each message.
 * The subscriber connection opens with the first watcher and closes with the last.
 */
@Injectable()
export class ChangeFeed implements OnApplicationShutdown {
  private readonly logger = new Logger('ChangeFeed');
  private readonly closing = new Subject<void>();
  readonly changes: Observable<Change>;

  constructor(@Inject(Redis) redis: Redis, keys: RedisKeys) {
    this.changes = new Observable<Change>((watcher) => {
      // A subscribed connection can do nothing else; it reconnects and resubscribes by itself.
      const subscriber = duplicate(redis, { enableOfflineQueue: true, maxRetriesPerRequest: null });
      subscriber.on('error', (error) => this.logger.warn(`change feed: ${error.message}`));
      subscriber.on('message', (_channel, message) => {
        try {
          watcher.next(JSON.parse(message) as Change);
        } catch {
          this.logger.warn(`unreadable change message ignored: ${message.slice(0, 100)}`);
        }
      });
      void subscriber.subscribe(keys.changes()).catch((error: Error) => watcher.error(error));
      return () => subscriber.disconnect();
    }).pipe(takeUntil(this.closing), share());
  }

  onApplicationShutdown(): void {
    this.closing.next();
  }
}
