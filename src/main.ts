import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';
import { configureApp } from './app.setup.js';
import { ConfigError } from './config/config-error.js';
import { parseEnvironment } from './config/environment.js';
import { loadWestwindConfig } from './config/westwind-config.js';
import { RedisNotAnsweringError, waitForRedis } from './redis/wait-for-redis.js';

async function bootstrap(): Promise<void> {
  const env = parseEnvironment(process.env);
  const config = loadWestwindConfig(env.WESTWIND_CONFIG);
  await waitForRedis(env.REDIS_URL);
  const app = await NestFactory.create(AppModule.forRoot(env, config), { bodyParser: false, bufferLogs: true });
  configureApp(app);
  await app.listen(env.PORT);
}

bootstrap().catch((error: unknown) => {
  // Start-up problems a user can fix (bad config, no Redis) read best without a stack trace.
  const expected = error instanceof ConfigError || error instanceof RedisNotAnsweringError;
  console.error(expected ? error.message : error);
  process.exit(1);
});
