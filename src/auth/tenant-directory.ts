import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { WestwindConfig } from '../config/westwind-config.js';

/** Who a bearer key belongs to: a tenant (submits jobs) or an operator (runs the grid side). */
export interface Principal {
  kind: 'tenant' | 'operator';
  id: string;
}

/**
 * Maps bearer keys to principals. Keys are looked up by their SHA-256 digest, so the lookup takes
 * the same path whatever the key's content (no early-exit string comparison to time) and the plain
 * keys are not kept in this map.
 */
@Injectable()
export class TenantDirectory {
  private readonly byKeyDigest = new Map<string, Principal>();

  constructor(config: WestwindConfig) {
    for (const tenant of config.tenants) for (const key of tenant.apiKeys) this.byKeyDigest.set(digest(key), { kind: 'tenant', id: tenant.id });
    for (const operator of config.operators) for (const key of operator.apiKeys) this.byKeyDigest.set(digest(key), { kind: 'operator', id: operator.id });
  }

  principalFor(key: string): Principal | undefined {
    return this.byKeyDigest.get(digest(key));
  }
}

function digest(key: string): string {
  return createHash('sha256').update(key).digest('base64');
}
