import net from 'node:net';
import { parseEnvironment } from '../config/environment.js';
import { sparePort } from '../../test/support/ports.js';
import { connectRedis } from './redis-connection.js';
import { RedisNotAnsweringError, waitForRedis, whenReady } from './wait-for-redis.js';

const standalone = (url: string) => ({ REDIS_URL: url, REDIS_MODE: 'standalone' as const });

describe('start-up Redis check', () => {
  it('passes when Redis answers', async () => {
    await expect(waitForRedis(parseEnvironment(process.env))).resolves.toBeUndefined();
  });

  it('fails within 5 s on a closed port, saying how to start Redis', async () => {
    const port = await sparePort();
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
    // Listening from the start (a port given back and bound again later may go to another process
    // meanwhile): it resets every connection until opened, then passes them on to Redis.
    let opened = false;
    const sockets = new Set<net.Socket>();
    const proxy = net.createServer((client) => {
      if (!opened) return void client.resetAndDestroy();
      const upstream = net.connect(redisPort, '127.0.0.1');
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.on('error', () => socket.destroy());
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const { port } = proxy.address() as net.AddressInfo;
    const redis = connectRedis(standalone(`redis://127.0.0.1:${port}`), { enableOfflineQueue: false });
    let errors = 0;
    redis.on('error', () => errors++);
    try {
      const ready = whenReady(redis, 10_000);
      // Reset meanwhile, retried by ioredis: more than once, so whenReady has waited through an error.
      for (const started = Date.now(); errors < 2 && Date.now() - started < 5000;)
        await new Promise((r) => setTimeout(r, 20));
      expect(errors).toBeGreaterThanOrEqual(2);
      expect(redis.status).not.toBe('ready');
      opened = true;
      await expect(ready).resolves.toBeUndefined();
      expect(await redis.ping()).toBe('PONG');
    } finally {
      redis.disconnect();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((r) => proxy.close(() => r()));
    }
  });

  it('gives up after its timeout, naming the last error', async () => {
    const redis = connectRedis(standalone(`redis://127.0.0.1:${await sparePort()}`), { enableOfflineQueue: false });
    redis.on('error', () => undefined);
    try {
      await expect(whenReady(redis, 500)).rejects.toThrow(/not ready within 500 ms \(.*ECONNREFUSED/);
    } finally {
      redis.disconnect();
    }
  });
});
