import net from 'node:net';
import { parseEnvironment } from '../config/environment.js';
import { TcpProxy } from '../../test/support/tcp-proxy.js';
import { connectRedis } from './redis-connection.js';
import { RedisNotAnsweringError, waitForRedis, whenReady } from './wait-for-redis.js';

const standalone = (url: string) => ({ REDIS_URL: url, REDIS_MODE: 'standalone' as const });

/** A loopback port nothing listens on (for now). */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

describe('start-up Redis check', () => {
  it('passes when Redis answers', async () => {
    await expect(waitForRedis(parseEnvironment(process.env))).resolves.toBeUndefined();
  });

  it('fails within 5 s on a closed port, saying how to start Redis', async () => {
    const port = await freePort();
    const started = Date.now();
    const error = await waitForRedis(standalone(`redis://127.0.0.1:${port}`)).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(error).toBeInstanceOf(RedisNotAnsweringError);
    expect((error as Error).message).toMatch(/redis-server[\s\S]*docker compose up -d redis/);
  });

  it('fails within 5 s when something accepts but never answers', async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((socket) => sockets.push(socket));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as net.AddressInfo).port;
    const started = Date.now();
    await expect(waitForRedis(standalone(`redis://127.0.0.1:${port}`), 1500)).rejects.toThrow(RedisNotAnsweringError);
    expect(Date.now() - started).toBeLessThan(5000);
    sockets.forEach((socket) => socket.destroy());
    await new Promise<void>((r) => silent.close(() => r()));
  });
});

describe('waiting for a connection to be ready', () => {
  const redisPort = Number(new URL(parseEnvironment(process.env).REDIS_URL.split(',')[0]).port || 6379);

  it('waits through connection errors (which events.once would reject on) until Redis answers', async () => {
    const proxy = new TcpProxy('127.0.0.1', redisPort);
    proxy.port = await freePort();
    const redis = connectRedis(standalone(`redis://127.0.0.1:${proxy.port}`), { enableOfflineQueue: false });
    let errors = 0;
    redis.on('error', () => errors++);
    try {
      const ready = whenReady(redis, 5000);
      await new Promise((r) => setTimeout(r, 400)); // refused meanwhile, retried by ioredis
      await proxy.start();
      await expect(ready).resolves.toBeUndefined();
      expect(errors).toBeGreaterThan(0);
      expect(await redis.ping()).toBe('PONG');
    } finally {
      redis.disconnect();
      await proxy.cut();
    }
  });

  it('gives up after its timeout, naming the last error', async () => {
    const redis = connectRedis(standalone(`redis://127.0.0.1:${await freePort()}`), { enableOfflineQueue: false });
    redis.on('error', () => undefined);
    try {
      await expect(whenReady(redis, 500)).rejects.toThrow(/not ready within 500 ms \(.*ECONNREFUSED/);
    } finally {
      redis.disconnect();
    }
  });
});
