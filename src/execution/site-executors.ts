import { Inject, Injectable } from '@nestjs/common';
import { Redis } from 'ioredis';
import { CLOCK } from '../config/config.module.js';
import { WestwindConfig } from '../config/westwind-config.js';
import type { Clock } from '../domain/time/clock.js';
import { RedisKeys } from '../redis/redis-keys.js';
import { HttpExecutor } from './executors/http/http.executor.js';
import { SimulatedExecutor } from './executors/simulated/simulated.executor.js';
import type { SiteExecutor } from './executors/site-executor.js';

/** Each site's executor, as its config chooses: simulated or http. */
@Injectable()
export class SiteExecutors {
  private readonly bySite = new Map<string, SiteExecutor>();

  constructor(config: WestwindConfig, @Inject(Redis) redis: Redis, keys: RedisKeys, @Inject(CLOCK) clock: Clock) {
    for (const site of config.sites) {
      this.bySite.set(site.id, site.executor.type === 'http' ? new HttpExecutor(site.id, site.executor) : new SimulatedExecutor(site.id, redis, keys, clock));
    }
  }

  forSite(site: string): SiteExecutor {
    const executor = this.bySite.get(site);
    if (!executor) throw new Error(`no executor for site ${site}`);
    return executor;
  }

  simulated(): SimulatedExecutor[] {
    return [...this.bySite.values()].filter((e): e is SimulatedExecutor => e instanceof SimulatedExecutor);
  }
}
