import { Controller, Get, Inject, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ReaderKeyGuard } from '../auth/api-key.guard.js';
import { CLOCK } from '../config/config.module.js';
import { WestwindConfig } from '../config/westwind-config.js';
import type { Clock } from '../domain/time/clock.js';
import { ClockDto } from './dto/clock.dto.js';

@ApiTags('clock')
@ApiBearerAuth()
@Controller('v1/clock')
export class ClockController {
  constructor(
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly config: WestwindConfig,
  ) {}

  /**
   * The service clock: deadlines and earliest starts are judged against its `now`, which runs ahead of
   * the wall clock in the demo (`speed` 720) and with WESTWIND_CLOCK=virtual. Any tenant or operator key.
   */
  @Get()
  @UseGuards(ReaderKeyGuard)
  @ApiOkResponse({ type: ClockDto })
  read(): ClockDto {
    const now = this.clock.now();
    return {
      now: now.toISO(),
      speed: this.clock.speed,
      zones: this.config.zones.map((zone) => ({
        zone: zone.id,
        timeZone: zone.timeZone,
        local: now.setZone(zone.timeZone).toISO()!,
      })),
    };
  }
}
