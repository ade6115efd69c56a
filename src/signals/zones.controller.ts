import { Body, Controller, Get, HttpCode, Param, Post, Query, Req, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiConsumes, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { OperatorKeyGuard, ReaderKeyGuard } from '../auth/api-key.guard.js';
import type { Principal } from '../auth/tenant-directory.js';
import { ProblemException } from '../common/problem.js';
import { CsvUploadQueryDto } from './dto/csv-upload-query.dto.js';
import { ForecastAcceptedDto, ZoneDto, ZoneSignalsDto } from './dto/zone-signals.dto.js';
import { SignalsQueryDto } from './dto/signals-query.dto.js';
import { SignalsService } from './signals.service.js';

@ApiTags('grid signals')
@ApiBearerAuth()
@Controller('v1/zones')
export class ZonesController {
  constructor(private readonly signals: SignalsService) {}

  /** Zones with their latest forecast's issuedAt and the hours covered. */
  @Get()
  @UseGuards(ReaderKeyGuard)
  @ApiOkResponse({ type: [ZoneDto] })
  list(): Promise<ZoneDto[]> {
    return this.signals.listZones();
  }

  /** The effective hourly series (revisions merged): renewable, surplus, peak; per site green MW, peak, import cap. */
  @Get(':zone/signals')
  @UseGuards(ReaderKeyGuard)
  @ApiOkResponse({ type: ZoneSignalsDto })
  series(@Param('zone') zone: string, @Query() query: SignalsQueryDto): Promise<ZoneSignalsDto> {
    return this.signals.signals(zone, query.from, query.to);
  }

  /**
   * Operator upload: rows `start,windMw,solarMw,loadMw[,hydroMw][,carbonGPerKwh][,pricePerMwh]` with a header;
   * errors by line.
   */
  @Post(':zone/forecasts.csv')
  @HttpCode(200)
  @UseGuards(OperatorKeyGuard)
  @ApiConsumes('text/csv')
  @ApiOkResponse({ type: ForecastAcceptedDto })
  async uploadCsv(
    @Param('zone') zone: string,
    @Query() query: CsvUploadQueryDto,
    @Body() csv: unknown,
    @Req() request: Request & { principal?: Principal },
  ): Promise<ForecastAcceptedDto> {
    if (typeof csv !== 'string')
      throw ProblemException.of(
        415,
        'unsupported-media-type',
        'Send text/csv',
        'The body must be CSV with Content-Type: text/csv.',
      );
    const answer = await this.signals.acceptCsv(
      request.principal!.id,
      zone,
      csv,
      query.issuedAt,
      query.resolution ?? 'PT1H',
    );
    return answer.body as ForecastAcceptedDto;
  }
}
