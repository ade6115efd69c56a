import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import { AppModule } from './app.module.js';
import { configureApp } from './app.setup.js';
import { ConfigError } from './config/config-error.js';
import { parseEnvironment } from './config/environment.js';
import { loadWestwindConfig } from './config/westwind-config.js';
import { RedisNotAnsweringError, waitForRedis } from './redis/wait-for-redis.js';

async function bootstrap(): Promise<void> {
  const env = parseEnvironment(process.env);
  const config = loadWestwindConfig(env.WESTWIND_CONFIG);
  await waitForRedis(env);
  const workers = env.WESTWIND_WORKERS === 'auto' ? availableParallelism() : Number(env.WESTWIND_WORKERS);
  if (workers > 1 && cluster.isPrimary) return superviseWorkers(workers);
  const app = await NestFactory.create(AppModule.forRoot(env, config), { bodyParser: false, bufferLogs: true });
  configureApp(app);
  exitIfShutdownHangs();
  await app.listen(env.PORT);
  if (cluster.isWorker) process.send?.(WORKER_STARTED);
}

/** What a worker tells the supervisor once it serves requests. */
const WORKER_STARTED = 'westwind:started';

/** How long a graceful stop (SIGTERM, SIGINT) may take: under Kubernetes' default 30 s grace period. */
const SHUTDOWN_GRACE_MS = 10_000;

/**
 * A graceful stop finishes the work in hand and closes the Redis connections (Nest's shutdown
 * hooks). With Redis gone (a dead master, then all sentinels down) closing the BullMQ workers never
 * returned in the fault suite; a process that ignores SIGTERM is worse than one cut short, whose
 * work the other instances carry on.
 */
function exitIfShutdownHangs(): void {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      setTimeout(() => {
        console.error(
          `graceful shutdown did not finish within ${SHUTDOWN_GRACE_MS / 1000} s (is Redis reachable?); exiting`,
        );
        process.exit(1);
      }, SHUTDOWN_GRACE_MS).unref();
    });
  }
}

/**
 * Several HTTP processes share one port; all state is in Redis, so any worker can answer any
 * request. A worker that dies is replaced; SIGTERM is passed on for a graceful shutdown. A worker
 * that fails before any has started (a taken METRICS_PORT, say) stops the service instead: every
 * replacement would fail the same way, and start-up would never end.
 */
function superviseWorkers(count: number): void {
  let stopping = false;
  let started = false;
  cluster.on('message', (_worker, message) => (started ||= message === WORKER_STARTED));
  for (let i = 0; i < count; i++) cluster.fork();
  cluster.on('exit', (worker, code) => {
    if (stopping) return;
    if (!started) {
      console.error(`worker ${worker.process.pid} failed to start (${code}); stopping`);
      stopping = true;
      process.exitCode = code || 1;
      for (const other of Object.values(cluster.workers ?? {})) other?.process.kill('SIGTERM');
      return;
    }
    console.error(`worker ${worker.process.pid} exited (${code}); starting another`);
    cluster.fork();
  });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      stopping = true;
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal);
    });
  }
}

bootstrap().catch((error: unknown) => {
  // Start-up problems a user can fix (bad config, no Redis) read best without a stack trace.
  const expected = error instanceof ConfigError || error instanceof RedisNotAnsweringError;
  console.error(expected ? error.message : error);
  process.exit(1);
});
