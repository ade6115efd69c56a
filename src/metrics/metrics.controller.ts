import { Controller, Get, Header, Res, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { OperatorPageGuard } from '../auth/api-key.guard.js';
import { MetricsService } from './metrics.service.js';

/** Prometheus scrape endpoint; an operator's credentials (Basic or Bearer) or, unauthenticated, METRICS_PORT. */
@ApiExcludeController()
@Controller('metrics')
@UseGuards(OperatorPageGuard)
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  async scrape(@Res() res: Response): Promise<void> {
    const text = await this.metrics.exposition();
    res.type(this.metrics.contentType).send(text);
  }
}
