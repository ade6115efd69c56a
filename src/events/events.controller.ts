import { Controller, Get, Param, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { OperatorPageGuard } from '../auth/api-key.guard.js';
import { ProblemException } from '../common/problem.js';
import { EventReportDto } from './dto/event-report.dto.js';
import { EventReportsService } from './event-reports.service.js';

/** Event ids: `<programID>:<event id>`, each part at most 128 characters. */
const EVENT_ID = /^[\x21-\x7e]{1,257}$/;

@ApiTags('grid events')
@ApiBearerAuth()
@Controller('v1/events')
@UseGuards(OperatorPageGuard)
export class EventsController {
  constructor(private readonly reports: EventReportsService) {}

  /**
   * The curtailment a grid event delivered, hour by hour: what the plan drew from the grid at its
   * sites just before the event arrived (baseline) against the grid import metered since. Any
   * operator key; 404 for an unknown event.
   */
  @Get(':id/report')
  @ApiOkResponse({ type: EventReportDto })
  async report(@Param('id') id: string): Promise<EventReportDto> {
    if (!EVENT_ID.test(id))
      throw ProblemException.invalid(400, [{ field: 'id', message: 'must be 1-257 printable characters' }]);
    return (await this.reports.report(id)).dto;
  }
}
