import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import { useJsonBodies } from './common/json-body.js';
import { StrictValidationPipe } from './common/validation.pipe.js';
import { httpMetrics } from './metrics/http-metrics.middleware.js';
import { Metrics } from './metrics/metrics.js';

/** Everything main.ts and the e2e tests do to a created app before it listens, in one place. */
export function configureApp(app: INestApplication): INestApplication {
  app.useLogger(app.get(Logger));
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
      .setDescription('Grid-aware scheduling of AI training jobs: submit jobs, track their state. Errors are application/problem+json (RFC 9457).')
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/json' });
  return app;
}
