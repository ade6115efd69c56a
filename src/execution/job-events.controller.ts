import { Body, Controller, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { AgentSite, SiteKeyGuard } from '../auth/api-key.guard.js';
import { checkedJobId } from '../common/job-errors.js';
import { JobDto } from '../jobs/dto/job.dto.js';
import { JobEventDto } from './dto/job-event.dto.js';
import type { JobEvent } from './executors/site-executor.js';
import { JobEventsService } from './job-events.service.js';

@ApiTags('site agents')
@ApiBearerAuth()
@UseGuards(SiteKeyGuard)
@Controller('v1/jobs')
export class JobEventsController {
  constructor(private readonly events: JobEventsService) {}

  /**
   * A site agent reports on a job it runs: progress, a checkpoint, completion or failure. Only the
   * job's current site may report; a repeated completion or failure returns the job unchanged.
   */
  @Post(':id/events')
  @HttpCode(200)
  report(@AgentSite() site: string, @Param('id') id: string, @Body() body: JobEventDto): Promise<JobDto> {
    return this.events.record(site, checkedJobId(id, ''), body as JobEvent);
  }
}
