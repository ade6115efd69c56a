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
   * same decision twice adds it once; and while one action for a job (start, pause… at a site)
   * waits in the queue, the same action decided by a later plan is not added again (BullMQ
   * deduplication): the waiting one is carried out if the current plan still wants it, so re-plans
   * during a backlog do not multiply it.
   */
  async send(commands: readonly DispatchCommand[]): Promise<void> {
    await this.add(commands, true);
  }

  /**
   * Adds claimed commands again (a crash cut them short): they must run, whatever else waits.
   * `underNewIds` for commands whose BullMQ job is still active — held by a worker that may be
   * dead, until its lock runs out (30 s) — so the same id would be swallowed: a new BullMQ id
   * carries the same command id, which the claim and the site recognise, so it still acts once.
   */
  async resend(commands: readonly DispatchCommand[], underNewIds = false): Promise<void> {
    await this.add(commands, false, underNewIds ? `.resent-${Date.now()}` : '');
  }

  /**
   * Actions a killed process was carrying out hold their deduplication keys until BullMQ finds them
   * stalled (when their lock runs out, 30 s): until then no newer plan could send the same action.
   * At start-up, release the keys of every action in progress, so the next plan's decisions go
   * through at once; an action sent twice is still carried out once (the claim on the job record).
   */
  async releaseInProgress(): Promise<void> {
    for (const queue of this.all()) {
      for (const job of await queue.getActive())
        await queue.removeDeduplicationKey(deduplicationId(job.data as DispatchCommand));
    }
  }

  private async add(commands: readonly DispatchCommand[], deduplicate: boolean, idSuffix = ''): Promise<void> {
    const bySite = new Map<string, DispatchCommand[]>();
    // Queues are first in, first out: a site's starts and resumes go in behind its other actions.
    const ordered = [...commands.filter((c) => !takesGpus(c)), ...commands.filter(takesGpus)];
    for (const command of ordered) bySite.set(command.site, [...(bySite.get(command.site) ?? []), command]);
    await Promise.all(
      [...bySite].map(([site, list]) =>
        this.forSite(site).addBulk(
          list.map((c) => ({
            name: c.action,
            data: c,
            opts: { jobId: c.id + idSuffix, ...(deduplicate && { deduplication: { id: deduplicationId(c) } }) },
          })),
        ),
      ),
    );
  }
}

/** Starts and resumes take GPUs that the pauses sent with them free: they wait for them (DispatchProcessor). */
function takesGpus(command: DispatchCommand): boolean {
  return command.action === 'start' || command.action === 'resume';
}

/** At most one waiting action of each kind per job and site (each site has its own queue). */
function deduplicationId(command: DispatchCommand): string {
  return `${command.jobId}.${command.action}`;
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
          ...site.executor.queueRetry,
          removeOnComplete: { count: 1000 },
          removeOnFail: { count: 5000 },
        },
      }),
    );
    const names = sites.map((s) => dispatchQueueName(s.id));
    return {
      module: DispatchQueuesModule,
      imports: registrations,
      providers: [
        {
          provide: DispatchQueues,
          useFactory: (...queues: Queue[]) => new DispatchQueues(queues),
          inject: names.map((n) => getQueueToken(n)),
        },
      ],
      exports: [DispatchQueues],
    };
  }
}
