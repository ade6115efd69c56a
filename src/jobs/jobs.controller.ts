import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Post, Query, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiKeyGuard, Tenant } from '../auth/api-key.guard.js';
import { checkedJobId } from '../common/job-errors.js';
import { ProblemException } from '../common/problem.js';
import { JobDto, JobPageDto, JobWithPlanDto } from './dto/job.dto.js';
import { ListJobsQueryDto } from './dto/list-jobs-query.dto.js';
import { SubmitJobDto } from './dto/submit-job.dto.js';
import { JobsService } from './jobs.service.js';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

@ApiTags('jobs')
@ApiBearerAuth()
@UseGuards(ApiKeyGuard)
@Controller('v1/jobs')
export class JobsController {
  constructor(private readonly jobs: JobsService) {}

  /** Submit a training job. 201 only once the job is stored. */
  @Post()
  @HttpCode(201)
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'Repeat the request with the same key to get the first answer back instead of a second job.',
  })
  async submit(
    @Tenant() tenant: string,
    @Body() body: SubmitJobDto,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<JobDto> {
    if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
      throw ProblemException.invalid(400, [
        { field: 'Idempotency-Key', message: 'must be 1-255 printable ASCII characters' },
      ]);
    }
    const { response, replayed } = await this.jobs.submit(tenant, { ...body }, idempotencyKey);
    res.status(response.status);
    if (response.location) res.location(response.location);
    if (replayed) res.setHeader('Idempotent-Replayed', 'true');
    return response.body;
  }

  /** A tenant's jobs, newest first. */
  @Get()
  list(@Tenant() tenant: string, @Query() query: ListJobsQueryDto): Promise<JobPageDto> {
    return this.jobs.list(tenant, query.state, query.limit, query.cursor);
  }

  /** The job, its history, and its part of the current plan (segments, expected finish, reason). */
  @Get(':id')
  @ApiOkResponse({ type: JobWithPlanDto })
  get(@Tenant() tenant: string, @Param('id') id: string): Promise<JobWithPlanDto> {
    return this.jobs.getWithPlan(tenant, checkedJobId(id));
  }

  /** Cancel a job. Idempotent: cancelling a cancelled job returns it unchanged; a finished job is 409. */
  @Delete(':id')
  cancel(@Tenant() tenant: string, @Param('id') id: string): Promise<JobDto> {
    return this.jobs.cancel(tenant, checkedJobId(id));
  }
}
