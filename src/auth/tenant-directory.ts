import { Injectable } from '@nestjs/common';
import { WestwindConfig } from '../config/westwind-config.js';
import { keyDigest } from './bearer.js';

/** Who a bearer key belongs to: a tenant (submits jobs), an operator (runs the grid side) or a site's agent (reports job events). */
export interface Principal {
  kind: 'tenant' | 'operator' | 'site';
  id: string;
}

/** Maps bearer keys (by digest) to principals. */
@Injectable()
export class TenantDirectory {
  private readonly byKeyDigest = new Map<string, Principal>();

  constructor(config: WestwindConfig) {
    for (const tenant of config.tenants) for (const key of tenant.apiKeys) this.byKeyDigest.set(keyDigest(key), { kind: 'tenant', id: tenant.id });
    for (const operator of config.operators) for (const key of operator.apiKeys) this.byKeyDigest.set(keyDigest(key), { kind: 'operator', id: operator.id });
    for (const site of config.sites) for (const key of site.agentKeys) this.byKeyDigest.set(keyDigest(key), { kind: 'site', id: site.id });
  }

  principalFor(key: string): Principal | undefined {
    return this.byKeyDigest.get(keyDigest(key));
  }
}
