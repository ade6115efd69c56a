import { createHash } from 'node:crypto';

/** The token of an `Authorization: Bearer <token>` header, if it is one. */
export function bearerToken(authorization: string | undefined): string | undefined {
  return /^Bearer ([\x21-\x7e]{1,512})$/i.exec(authorization ?? '')?.[1];
}

/**
 * Keys and tokens are looked up by their SHA-256 digest: the lookup takes the same path whatever
 * the key's content (no early-exit string comparison to time), and plain keys are not kept.
 */
export function keyDigest(key: string): string {
  return createHash('sha256').update(key).digest('base64');
}
