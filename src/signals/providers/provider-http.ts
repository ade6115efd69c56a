import type { ProviderFailure } from './forecast-provider.js';

export interface HttpAnswer {
  status: number;
  headers: Headers;
  body: string;
}

/** A response body is cut to this in failure messages: they reach logs and GET /v1/zones. */
const BODY_EXCERPT = 200;

/**
 * One GET with Node's fetch and a real-time limit (AbortSignal.timeout): a provider that hangs
 * must not hold a pull. Answers any HTTP status; only transport problems become failures here.
 */
export async function httpGet(
  url: URL,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<HttpAnswer | ProviderFailure> {
  try {
    const response = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
    return { status: response.status, headers: response.headers, body: await response.text() };
  } catch (error) {
    const e = error as Error;
    if (e.name === 'TimeoutError') {
      return { kind: 'timeout', message: `no answer from ${url.host} within ${timeoutMs} ms` };
    }
    return { kind: 'network', message: `${url.host}: ${(e.cause as Error | undefined)?.message ?? e.message}` };
  }
}

export function isFailure(value: HttpAnswer | ProviderFailure): value is ProviderFailure {
  return 'kind' in value;
}

/** Classifies a non-2xx answer: 401/403 credentials, 429 with its Retry-After, other 4xx, 5xx. */
export function statusFailure(answer: HttpAnswer, provider: string): ProviderFailure {
  const { status } = answer;
  const excerpt = answer.body.replace(/\s+/g, ' ').trim().slice(0, BODY_EXCERPT);
  const message = `${provider} answered ${status}${excerpt ? `: ${excerpt}` : ''}`;
  if (status === 401 || status === 403) return { kind: 'unauthorized', status, message };
  if (status === 429) {
    return { kind: 'rate-limited', status, message, retryAfterMs: retryAfterMs(answer.headers.get('retry-after')) };
  }
  if (status >= 500) return { kind: 'server-error', status, message };
  return { kind: 'client-error', status, message };
}

/** Retry-After as seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, nowMs = Date.now()): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/** Joins a base URL (which may carry a path prefix) and an endpoint path. */
export function endpoint(baseUrl: string, path: string, query: Record<string, string>): URL {
  const url = new URL(baseUrl.replace(/\/+$/, '') + path);
  for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
  return url;
}
