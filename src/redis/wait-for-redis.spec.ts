import net from 'node:net';
import { parseEnvironment } from '../config/environment.js';
import { RedisNotAnsweringError, waitForRedis } from './wait-for-redis.js';

const standalone = (url: string) => ({ REDIS_URL: url, REDIS_MODE: 'standalone' as const });

describe('start-up Redis check', () => {
  it('passes when Redis answers', async () => {
    await expect(waitForRedis(parseEnvironment(process.env))).resolves.toBeUndefined();
  });

  it('fails within 5 s on a closed port, saying how to start Redis', async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    await new Promise<void>((r) => server.close(() => r())); // now nothing listens there
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
