import { createHash } from 'node:crypto';

/** The token of an `Authorization: Bearer <token>` header, if it is one. */
export function bearerToken(authorization: string | undefined): string | undefined {
  return /^Bearer ([\x21-\x7e]{1,512})$/i.exec(authorization ?? '')?.[1];
}

/**
 * The user and password of an `Authorization: Basic …` header: what a browser sends after its own
 * login prompt, so operators can open the dashboard and bull-board without a tool to set headers.
 */
export function basicCredentials(authorization: string | undefined): { user: string; password: string } | undefined {
  const encoded = /^Basic ([A-Za-z0-9+/=]{1,1024})$/i.exec(authorization ?? '')?.[1];
  if (!encoded) return undefined;
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/**
 * Keys and tokens are looked up by their SHA-256 digest: the lookup takes the same path whatever
 * the key's content (no early-exit string comparison to time), and plain keys are not kept.
 */
export function keyDigest(key: string): string {
  return createHash('sha256').update(key).digest('base64');
}
