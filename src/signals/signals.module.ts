import { Module } from '@nestjs/common';
import { IdempotencyModule } from '../idempotency/idempotency.module.js';
import { ForecastWebhookController } from './forecast-webhook.controller.js';
import { SignalsRepository } from './signals.repository.js';
import { SignalsService } from './signals.service.js';
import { WebhookSignatureGuard } from './webhook-signature.guard.js';
import { ZonesController } from './zones.controller.js';

/** Grid signals: forecasts in (webhooks), the effective per-zone and per-site series out. */
@Module({
  imports: [IdempotencyModule],
  controllers: [ForecastWebhookController, ZonesController],
  providers: [SignalsService, SignalsRepository, WebhookSignatureGuard],
  exports: [SignalsService],
})
export class SignalsModule {}
