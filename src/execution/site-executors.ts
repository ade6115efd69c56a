import { Inject, Injectable } from '@nestjs/common';
import { Redis } from 'ioredis';
import { CLOCK } from '../config/config.module.js';
import { type SiteConfig, WestwindConfig } from '../config/westwind-config.js';
import type { DispatchSites } from '../domain/execution/dispatch-decision.js';
import type { Clock } from '../domain/time/clock.js';
import { RedisKeys } from '../redis/redis-keys.js';
import { HttpExecutor } from './executors/http/http.executor.js';
import { SimulatedExecutor } from './executors/simulated/simulated.executor.js';
import { powerCappingSites, type SiteExecutor } from './executors/site-executor.js';
import { SlurmExecutor } from './executors/slurm/slurm.executor.js';

/** Each site's executor, as its config chooses: simulated, http or slurm (one folder each under executors/). */
@Injectable()
export class SiteExecutors {
  private readonly bySite = new Map<string, SiteExecutor>();
  /** What the dispatch decisions need to know of the sites: which can cap power. */
  readonly dispatchSites: DispatchSites = { capsPower: powerCappingSites(this) };

  constructor(config: WestwindConfig, @Inject(Redis) redis: Redis, keys: RedisKeys, @Inject(CLOCK) clock: Clock) {
    for (const site of config.sites) this.bySite.set(site.id, executorFor(site, redis, keys, clock));
  }

  forSite(site: string): SiteExecutor {
    const executor = this.bySite.get(site);
    if (!executor) throw new Error(`no executor for site ${site}`);
    return executor;
  }

  simulated(): SimulatedExecutor[] {
    return [...this.bySite.values()].filter((e): e is SimulatedExecutor => e instanceof SimulatedExecutor);
  }

  slurm(): SlurmExecutor[] {
    return [...this.bySite.values()].filter((e): e is SlurmExecutor => e instanceof SlurmExecutor);
  }
}

function executorFor(site: SiteConfig, redis: Redis, keys: RedisKeys, clock: Clock): SiteExecutor {
  const executor = site.executor;
  switch (executor.type) {
    case 'simulated':
      return new SimulatedExecutor(site.id, redis, keys, clock);
    case 'http':
      return new HttpExecutor(site.id, executor);
    case 'slurm':
      return new SlurmExecutor(site.id, executor, redis, keys);
    default: {
      const unknown: never = executor;
      throw new Error(`site ${site.id}: no executor of type ${(unknown as { type: string }).type}`);
    }
  }
}
