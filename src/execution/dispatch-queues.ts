import { BullModule, getQueueToken } from '@nestjs/bullmq';
import { DynamicModule, Global, Module } from '@nestjs/common';
import type { Queue } from 'bullmq';
import type { SiteConfig } from '../config/westwind-config.js';
import type { DispatchCommand } from '../domain/execution/dispatch-decision.js';
import { dispatchQueueName } from './execution.constants.js';

/** The per-site dispatch queues, for sending actions (the workers live in ExecutionModule). */
export class DispatchQueues {
  private readonly bySite: Map<string, Queue>;

  constructor(queues: Queue[]) {
    this.bySite = new Map(queues.map((q) => [q.name, q]));
  }

  all(): Queue[] {
    return [...this.bySite.values()];
  }

  forSite(site: string): Queue {
    const queue = this.bySite.get(dispatchQueueName(site));
    if (!queue) throw new Error(`no dispatch queue for site ${site}`);
    return queue;
  }

  /**
   * Adds the commands to their sites' queues. Each BullMQ job id is the command id, so sending the
   * same decision twice (two re-plans, a retry after a crash) adds it once.
   */
  async send(commands: readonly DispatchCommand[]): Promise<void> {
    const bySite = new Map<string, DispatchCommand[]>();
    for (const command of commands) bySite.set(command.site, [...(bySite.get(command.site) ?? []), command]);
    await Promise.all([...bySite].map(([site, list]) => this.forSite(site).addBulk(list.map((c) => ({ name: c.action, data: c, opts: { jobId: c.id } })))));
  }
}

/**
 * One BullMQ queue per site, with the site's retry policy: exponential backoff from its
 * `backoffMs`, `attempts` tries. Global, because job cancellation sends to it too.
 */
@Global()
@Module({})
export class DispatchQueuesModule {
  static forRoot(sites: readonly SiteConfig[]): DynamicModule {
    const registrations = sites.map((site) =>
      BullModule.registerQueue({
        name: dispatchQueueName(site.id),
        defaultJobOptions: {
          attempts: site.executor.attempts,
          backoff: { type: 'exponential', delay: site.executor.backoffMs },
          removeOnComplete: { count: 1000 },
          removeOnFail: { count: 5000 },
        },
      }),
    );
    const names = sites.map((s) => dispatchQueueName(s.id));
    return {
      module: DispatchQueuesModule,
      imports: registrations,
      providers: [{ provide: DispatchQueues, useFactory: (...queues: Queue[]) => new DispatchQueues(queues), inject: names.map((n) => getQueueToken(n)) }],
      exports: [DispatchQueues],
    };
  }
}
