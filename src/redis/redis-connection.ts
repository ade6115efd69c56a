import { Cluster, Redis, type RedisOptions } from 'ioredis';

/** Where Redis is: one server, a Redis Cluster (seed nodes), or a master found through Sentinel. */
export interface RedisTarget {
  /** One redis:// URL, or a comma-separated list of seed nodes (cluster) or sentinels (sentinel). */
  REDIS_URL: string;
  REDIS_MODE: 'standalone' | 'cluster' | 'sentinel';
  /** The master's name Sentinel knows (sentinel mode). */
  REDIS_SENTINEL_MASTER?: string;
  /** The sentinels' own password, if they have one (the URL's credentials are the master's). */
  REDIS_SENTINEL_PASSWORD?: string;
}

/** Reconnect quickly and forever: the service recovers by itself within seconds of Redis returning. */
const RECONNECT_MAX_DELAY_MS = 1000;
const reconnectDelay = (attempt: number) => Math.min(attempt * 100, RECONNECT_MAX_DELAY_MS);

/**
 * A connection to wherever REDIS_URL and REDIS_MODE point. In cluster mode it is an ioredis
 * `Cluster`, which speaks the same command API as `Redis`; Westwind's keys all carry the prefix's
 * hash tag, so every multi-key command and Lua script stays in one slot, as Cluster requires.
 * Typed as `Redis` so the rest of the code needs no mode of its own.
 */
export function connectRedis(target: RedisTarget, options: RedisOptions = {}): Redis {
  const urls = target.REDIS_URL.split(',').map((u) => new URL(u.trim()));
  const nodes = urls.map((u) => ({
    host: u.hostname,
    port: Number(u.port || (target.REDIS_MODE === 'sentinel' ? 26379 : 6379)),
  }));
  const first = urls[0];
  const auth: RedisOptions = {
    username: first.username ? decodeURIComponent(first.username) : undefined,
    password: first.password ? decodeURIComponent(first.password) : undefined,
    tls: first.protocol === 'rediss:' ? {} : undefined,
  };
  const retryStrategy = options.retryStrategy ?? reconnectDelay;
  switch (target.REDIS_MODE) {
    case 'cluster':
      return new Cluster(nodes, {
        redisOptions: { ...auth, ...options },
        clusterRetryStrategy: retryStrategy,
        enableOfflineQueue: options.enableOfflineQueue,
        lazyConnect: options.lazyConnect,
      }) as unknown as Redis;
    case 'sentinel':
      return new Redis({
        ...auth,
        sentinelPassword: target.REDIS_SENTINEL_PASSWORD,
        sentinels: nodes,
        name: target.REDIS_SENTINEL_MASTER,
        retryStrategy,
        sentinelRetryStrategy: retryStrategy,
        ...options,
      });
    default:
      return new Redis({
        ...auth,
        host: nodes[0].host,
        port: nodes[0].port,
        db: first.pathname.length > 1 ? Number(first.pathname.slice(1)) : 0,
        retryStrategy,
        ...options,
      });
  }
}

/** True when the client is an ioredis Cluster (some commands, like SCAN, go to each master). */
export function isCluster(redis: Redis): boolean {
  return (redis as unknown as Cluster).isCluster === true;
}

/** A new connection to the same Redis with other options (ioredis' `duplicate` takes them differently for Cluster). */
export function duplicate(redis: Redis, options: RedisOptions): Redis {
  if (!isCluster(redis)) return redis.duplicate(options);
  const cluster = redis as unknown as Cluster;
  return cluster.duplicate([], {
    redisOptions: { ...cluster.options.redisOptions, ...options },
    enableOfflineQueue: options.enableOfflineQueue,
  }) as unknown as Redis;
}

/** The masters holding keys: every master of a cluster, or the one server. */
export function masters(redis: Redis): Redis[] {
  return isCluster(redis) ? (redis as unknown as Cluster).nodes('master') : [redis];
}
