import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { JOB_STATES, type JobState } from '../../domain/jobs/job.js';

export class JobRowsQueryDto {
  /** Only jobs in this state. */
  @IsOptional()
  @IsIn(JOB_STATES)
  state?: JobState;

  /** Only this tenant's jobs. */
  @IsOptional()
  @Matches(/^[a-z0-9][a-z0-9-]{0,62}$/, { message: 'must be a tenant id' })
  tenant?: string;

  /** Rows, 1 to 500; default 100. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit: number = 100;
}
