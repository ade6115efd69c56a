import { type ChildProcess, spawn } from 'node:child_process';
import type { Redis } from 'ioredis';
import { once } from 'node:events';
import { connectTestRedis, deleteKeys, TEST_CONFIG, testPrefix } from './test-app.js';

/**
 * The built service (`dist/main.js`) in a child process, as operators run it; its output is kept
 * for inspection. It inherits the test's environment (REDIS_URL, REDIS_MODE…) under `env`.
 */
export class ServiceProcess {
  private child?: ChildProcess;
  output = '';

  constructor(
    readonly port: number,
    private readonly env: Record<string, string>,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Starts it (with extra variables for this start) and waits until it answers. */
  async start(extraEnv: Record<string, string> = {}): Promise<void> {
    // Another process on the port (one left over from an interrupted run) would answer in its
    // place, and the test would talk to a service with another prefix.
    if (
      await fetch(`${this.url}/health`).then(
        () => true,
        () => false,
      )
    )
      throw new Error(`port ${this.port} is already in use: stop the process listening there`);
    const child = spawn('node', ['dist/main.js'], {
      env: { ...process.env, WESTWIND_DEMO: 'false', ...this.env, ...extraEnv, PORT: String(this.port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.child = child;
    for (let i = 0; i < 300; i++) {
      if (child.exitCode !== null)
        throw new Error(`service exited with ${child.exitCode}:\n${this.output.slice(-2000)}`);
      if (
        await fetch(`${this.url}/health`).then(
          (r) => r.ok,
          () => false,
        )
      )
        return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`service did not answer within 30 s:\n${this.output.slice(-2000)}`);
  }

  /** kill -9: no shutdown hooks, no goodbye to Redis. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL');
    await once(child, 'exit');
  }

  /** A graceful stop (SIGTERM). */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
}

/**
 * A suite's built service with all roles under its own prefix, plus a connection for looking at
 * what it stored; after the suite the service is stopped and every key it wrote deleted.
 */
export function useServiceProcess(
  port: number,
  env: Record<string, string> = {},
): { service: ServiceProcess; prefix: string; redis: Redis } {
  const prefix = testPrefix();
  const suite = {
    service: new ServiceProcess(port, {
      WESTWIND_CONFIG: TEST_CONFIG,
      WESTWIND_PREFIX: prefix,
      WESTWIND_ROLES: 'api,planner,dispatch',
      LOG_LEVEL: 'warn',
      ...env,
    }),
    prefix,
    redis: undefined as unknown as Redis, // connected before the suite's first test
  };
  beforeAll(async () => (suite.redis = await connectTestRedis()));
  afterAll(async () => {
    await suite.service.stop();
    await deleteKeys(suite.redis, prefix);
    suite.redis.disconnect();
  });
  return suite;
}
