import { Body, Controller, HttpCode, Param, Post, Req, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { AuthenticatedRequest } from '../auth/api-key.guard.js';
import { checkedJobId } from '../common/job-errors.js';
import { ProblemException } from '../common/problem.js';
import { JobDto } from '../jobs/dto/job.dto.js';
import { JobEventDto } from './dto/job-event.dto.js';
import type { JobEvent } from './executors/site-executor.js';
import { JobEventsGuard } from './job-events.guard.js';
import { JobEventsService } from './job-events.service.js';

/** What a job's own events token may report: completion and failure are its site's to say (Slurm's record). */
const JOB_TOKEN_EVENTS: ReadonlyArray<JobEvent['type']> = ['progress', 'checkpointed'];

@ApiTags('site agents')
@ApiBearerAuth()
@UseGuards(JobEventsGuard)
@Controller('v1/jobs')
export class JobEventsController {
  constructor(private readonly events: JobEventsService) {}

  /**
   * A site agent reports on a job it runs: progress, a checkpoint, completion or failure. Only the
   * job's current site may report; a repeated completion or failure returns the job unchanged. A
   * Slurm job's batch script may report its own progress and checkpoints with its events token.
   */
  @Post(':id/events')
  @HttpCode(200)
  report(@Req() request: AuthenticatedRequest, @Param('id') id: string, @Body() body: JobEventDto): Promise<JobDto> {
    const principal = request.principal!;
    if (principal.job !== undefined && !JOB_TOKEN_EVENTS.includes(body.type))
      throw ProblemException.of(
        403,
        'forbidden',
        'Not allowed',
        `A job's events token reports ${JOB_TOKEN_EVENTS.join(' and ')}; ` +
          `its ${body.type} is read from ${principal.id}'s own record.`,
      );
    return this.events.record(principal.id, checkedJobId(id, ''), body as JobEvent);
  }
}
