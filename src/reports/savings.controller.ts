import { Controller, Get, Query, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { type AuthenticatedRequest, ReaderKeyGuard } from '../auth/api-key.guard.js';
import { SavingsQueryDto } from './dto/savings-query.dto.js';
import { SavingsReportDto } from './dto/savings-report.dto.js';
import { savingsCsv } from './savings-csv.js';
import { SavingsService } from './savings.service.js';

@ApiTags('reports')
@ApiBearerAuth()
@Controller('v1/reports')
export class SavingsController {
  constructor(private readonly savings: SavingsService) {}

  /**
   * Grid energy, peak grid energy, carbon and cost avoided against fifo, per tenant, for a calendar
   * month in UTC. A tenant key sees its own row; an operator key every tenant's. JSON, or CSV with
   * `Accept: text/csv` or `format=csv`.
   */
  @Get('savings')
  @UseGuards(ReaderKeyGuard)
  @ApiProduces('application/json', 'text/csv')
  @ApiOkResponse({ type: SavingsReportDto })
  async read(
    @Query() query: SavingsQueryDto,
    @Req() req: AuthenticatedRequest,
    @Res({ passthrough: true }) res: Response,
  ): Promise<SavingsReportDto | string> {
    const report = await this.savings.report(query.month, req.principal!);
    res.vary('Accept');
    const csv = query.format ? query.format === 'csv' : req.accepts(['application/json', 'text/csv']) === 'text/csv';
    if (!csv) return report;
    res.type('text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="westwind-savings-${report.month}.csv"`);
    return savingsCsv(report);
  }
}
