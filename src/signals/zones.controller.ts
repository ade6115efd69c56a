import { Controller, Get, Param, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ReaderKeyGuard } from '../auth/api-key.guard.js';
import { SignalsQueryDto } from './dto/signals-query.dto.js';
import { SignalsService } from './signals.service.js';

@ApiTags('grid signals')
@ApiBearerAuth()
@UseGuards(ReaderKeyGuard)
@Controller('v1/zones')
export class ZonesController {
  constructor(private readonly signals: SignalsService) {}

  /** Zones with their latest forecast's issuedAt and the hours covered. */
  @Get()
  list() {
    return this.signals.listZones();
  }

  /** The effective hourly series (revisions merged) with renewable, surplus and peak; per site green supply, peak and import cap. */
  @Get(':zone/signals')
  series(@Param('zone') zone: string, @Query() query: SignalsQueryDto) {
    return this.signals.signals(zone, query.from, query.to);
  }
}
