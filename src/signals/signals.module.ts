import { Module } from '@nestjs/common';
import { IdempotencyModule } from '../idempotency/idempotency.module.js';
import { ForecastErrorMetrics } from './forecast-error.metrics.js';
import { ForecastErrorService } from './forecast-error.service.js';
import { ForecastWebhookController } from './forecast-webhook.controller.js';
import { GridEventHooks } from './grid-event-hooks.js';
import { OpenAdrTokenGuard } from './openadr-token.guard.js';
import { OpenAdrController } from './openadr.controller.js';
import { OpenAdrService } from './openadr.service.js';
import { ForecastPullMetrics } from './providers/forecast-pull.metrics.js';
import { ForecastPullStatusRepository } from './providers/forecast-pull-status.repository.js';
import { SignalsRepository } from './signals.repository.js';
import { SignalsService } from './signals.service.js';
import { WebhookSignatureGuard } from './webhook-signature.guard.js';
import { ZonesController } from './zones.controller.js';

/**
 * Grid signals: forecasts and grid events in (webhooks, OpenADR 3, CSV), the effective per-zone and
 * per-site series out.
 */
@Module({
  imports: [IdempotencyModule],
  controllers: [ForecastWebhookController, OpenAdrController, ZonesController],
  providers: [
    SignalsService,
    OpenAdrService,
    SignalsRepository,
    WebhookSignatureGuard,
    OpenAdrTokenGuard,
    ForecastPullStatusRepository,
    ForecastPullMetrics,
    GridEventHooks,
    ForecastErrorService,
    ForecastErrorMetrics,
  ],
  exports: [SignalsService, ForecastPullStatusRepository, GridEventHooks, ForecastErrorService],
})
export class SignalsModule {}
