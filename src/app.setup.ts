import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import helmet from 'helmet';
import type { Server } from 'node:http';
import { useJsonBodies } from './common/json-body.js';
import { StrictValidationPipe } from './common/validation.pipe.js';
import { AppLogger } from './logging/app-logger.js';
import { httpMetrics } from './metrics/http-metrics.middleware.js';
import { Metrics } from './metrics/metrics.js';

/**
 * Idle keep-alive connections stay open longer than a load balancer's own idle timeout (nginx 60 s,
 * AWS ALB 60 s): otherwise the server may close one just as the balancer or a client reuses it, and
 * that request fails without an answer. Node's default is 5 s.
 */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;

/** Everything main.ts and the e2e tests do to a created app before it listens, in one place. */
export function configureApp(app: INestApplication): INestApplication {
  app.useLogger(app.get(AppLogger));
  const server = app.getHttpServer() as Server;
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  // Must exceed the keep-alive timeout, or Node cuts a slow request's headers on a reused connection.
  server.headersTimeout = KEEP_ALIVE_TIMEOUT_MS + 1000;
  // helmet's security headers on every response (nosniff, frame and opener isolation, no referrer…);
  // the dashboard page sets its own, stricter Content-Security-Policy, the docs and bull-board need inline code.
  app.use(helmet({ contentSecurityPolicy: false }));
  app.use(httpMetrics(app.get(Metrics)));
  useJsonBodies(app);
  app.useGlobalPipes(new StrictValidationPipe());
  app.enableShutdownHooks();
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Westwind')
      .setDescription(
        'Grid-aware scheduling of AI training jobs: submit jobs, track their state. ' +
          'Errors are application/problem+json (RFC 9457).',
      )
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/json' });
  return app;
}
