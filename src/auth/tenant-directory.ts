import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { WestwindConfig } from '../config/westwind-config.js';

/**
 * Maps bearer keys to tenants. Keys are looked up by their SHA-256 digest, so the lookup takes the
 * same path whatever the key's content (no early-exit string comparison to time) and the plain keys
 * are not kept in this map.
 */
@Injectable()
export class TenantDirectory {
  private readonly tenantByKeyDigest = new Map<string, string>();

  constructor(config: WestwindConfig) {
    for (const tenant of config.tenants) {
      for (const key of tenant.apiKeys) this.tenantByKeyDigest.set(digest(key), tenant.id);
    }
  }

  tenantFor(key: string): string | undefined {
    return this.tenantByKeyDigest.get(digest(key));
  }
}

function digest(key: string): string {
  return createHash('sha256').update(key).digest('base64');
}
