import { Injectable } from '@nestjs/common';
import { OperatorRole, WestwindConfig } from '../config/westwind-config.js';
import { basicCredentials, bearerToken, keyDigest } from './bearer.js';

/**
 * Who a bearer key belongs to: a tenant (submits jobs), an operator (runs the grid side) or a
 * site's agent (reports job events).
 */
export interface Principal {
  kind: 'tenant' | 'operator' | 'site';
  id: string;
  /** Operators only: a viewer may look but not change anything. */
  role?: OperatorRole;
  /** A job's own events token (a Slurm batch script's): its site, good for this one job only. */
  job?: string;
}

/** Maps bearer keys (by digest) to principals. */
@Injectable()
export class TenantDirectory {
  private readonly byKeyDigest = new Map<string, Principal>();

  constructor(config: WestwindConfig) {
    for (const tenant of config.tenants)
      for (const key of tenant.apiKeys) this.byKeyDigest.set(keyDigest(key), { kind: 'tenant', id: tenant.id });
    for (const operator of config.operators)
      for (const key of operator.apiKeys)
        this.byKeyDigest.set(keyDigest(key), { kind: 'operator', id: operator.id, role: operator.role });
    for (const site of config.sites)
      for (const key of site.agentKeys) this.byKeyDigest.set(keyDigest(key), { kind: 'site', id: site.id });
  }

  principalFor(key: string): Principal | undefined {
    return this.byKeyDigest.get(keyDigest(key));
  }

  /**
   * Who an Authorization header speaks for: a bearer key, or where `basic` is allowed (pages an
   * operator opens in a browser), Basic credentials whose user is the key's owner and password the key.
   */
  authenticate(authorization: string | undefined, basic: boolean): { principal?: Principal; presented: boolean } {
    const key = bearerToken(authorization);
    if (key) return { principal: this.principalFor(key), presented: true };
    const credentials = basic ? basicCredentials(authorization) : undefined;
    if (!credentials) return { presented: false };
    const principal = this.principalFor(credentials.password);
    return { principal: principal?.id === credentials.user ? principal : undefined, presented: true };
  }
}
