import { Body, Controller, HttpCode, Post, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { parseJsonBody } from '../common/validation.pipe.js';
import { ForecastDto } from './dto/forecast.dto.js';
import { SignalsService } from './signals.service.js';
import { SignedRequest, WebhookSignatureGuard } from './webhook-signature.guard.js';

@ApiTags('grid signals')
@Controller('v1/webhooks')
export class ForecastWebhookController {
  constructor(private readonly signals: SignalsService) {}

  /**
   * A zone forecast from a grid operator, signed per Standard Webhooks. Stored all-or-nothing;
   * a repeated webhook-id returns the first answer.
   */
  @Post('forecasts')
  @HttpCode(200)
  @UseGuards(WebhookSignatureGuard)
  @ApiBody({ type: ForecastDto })
  @ApiHeader({ name: 'webhook-id', required: true })
  @ApiHeader({ name: 'webhook-timestamp', required: true, description: 'Unix seconds, within 5 minutes of now' })
  @ApiHeader({
    name: 'webhook-signature',
    required: true,
    description: 'v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">, space-separated if several',
  })
  async forecast(
    @Req() request: SignedRequest,
    @Body() raw: Buffer,
    @Res({ passthrough: true }) res: Response,
  ): Promise<unknown> {
    const forecast = await parseJsonBody(raw, ForecastDto);
    const { response, replayed } = await this.signals.acceptWebhook(
      request.webhookSender!,
      String(request.headers['webhook-id']),
      raw,
      forecast,
    );
    res.status(response.status);
    if (replayed) res.setHeader('Webhook-Replayed', 'true');
    return response.body;
  }
}
