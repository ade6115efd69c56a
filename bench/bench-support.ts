/** What the benchmarks share: starting the built service, and removing what a run wrote. */
import autocannon from 'autocannon';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * Starts a server process (without the demo: benchmarks bring their own load) and waits until it
 * answers on `port`. Rate limits are raised out of reach: the benchmarks measure capacity.
 */
export async function startServer(
  cmd: string,
  args: string[],
  port: number,
  env: Record<string, string>,
): Promise<ChildProcess> {
  const child = spawn(cmd, args, {
    env: {
      ...process.env,
      REDIS_URL,
      PORT: String(port),
      WESTWIND_DEMO: 'false',
      WESTWIND_TENANT_REQUESTS: '10000000',
      WESTWIND_SENDER_REQUESTS: '10000000',
      ...env,
    },
    stdio: ['ignore', process.env.BENCH_SERVER_LOGS ? 'inherit' : 'ignore', 'inherit'],
  });
  for (let i = 0; i < 100; i++) {
    await new Promise((r) => setTimeout(r, 100));
    const up = await fetch(`http://127.0.0.1:${port}/`, { method: 'HEAD' }).then(
      () => true,
      () => false,
    );
    if (up) return child;
  }
  child.kill();
  throw new Error(`${args.join(' ')} did not start on port ${port}`);
}

/** Stops a server gracefully and waits for it to exit (killed after 15 s), so its last writes land before cleanup. */
export async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

/** Deletes every key under the prefixes. */
export async function cleanup(prefixes: string[]): Promise<void> {
  const redis = new Redis(REDIS_URL);
  for (const prefix of prefixes) {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 5000);
      if (keys.length > 0) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  }
  redis.disconnect();
}

/** The checked-out commit (short), or 'unknown' outside a git checkout. */
export function gitCommit(): string {
  return git('rev-parse', '--short', 'HEAD') ?? 'unknown';
}

/** Uncommitted changes to the service's code (`git status --porcelain` lines): the figures are the working tree's. */
export function srcChanges(): string[] {
  const status = git('status', '--porcelain', '--', 'src');
  return status ? status.split('\n') : [];
}

/** What git prints (trimmed), or undefined outside a git checkout. */
function git(...args: string[]): string | undefined {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: 'pipe' }).trim();
  } catch {
    return undefined;
  }
}

export function round(x: number, digits: number): number {
  return Math.round(x * 10 ** digits) / 10 ** digits;
}

/** Accepted submissions per second and latency of one autocannon run (several at once: summed, worst p50/p99). */
export interface LoadFigures {
  jobsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
}

/** POSTs `body` to every URL at once for `seconds`, `connections` in all, split evenly between them. */
export async function postLoad(
  urls: string[],
  headers: Record<string, string>,
  body: string,
  seconds: number,
  connections: number,
): Promise<LoadFigures> {
  const runs = await Promise.all(
    urls.map((url) =>
      autocannon({
        url,
        method: 'POST',
        headers,
        body,
        duration: seconds,
        connections: Math.max(1, Math.round(connections / urls.length)),
        pipelining: 1,
      }),
    ),
  );
  const sum = (f: (r: autocannon.Result) => number) => runs.reduce((n, r) => n + f(r), 0);
  return {
    jobsPerSec: Math.round(sum((r) => r.requests.total - r.non2xx - r.errors) / seconds),
    p50Ms: Math.max(...runs.map((r) => r.latency.p50)),
    p99Ms: Math.max(...runs.map((r) => r.latency.p99)),
    non2xx: sum((r) => r.non2xx),
    errors: sum((r) => r.errors),
  };
}
