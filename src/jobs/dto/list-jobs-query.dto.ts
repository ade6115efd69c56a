import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { JOB_STATES, type JobState } from '../../domain/jobs/job.js';

export class ListJobsQueryDto {
  /** Only jobs in this state. */
  @IsOptional()
  @IsIn(JOB_STATES)
  state?: JobState;

  /** Page size, 1 to 200; default 50. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;

  /** `nextCursor` of the previous page. */
  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{1,128}$/, { message: 'must be a nextCursor value from a previous page' })
  cursor?: string;
}
