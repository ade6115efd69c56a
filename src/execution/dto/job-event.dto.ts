import { IsIn, IsNumber, IsOptional, IsString, Length, Max, Min, ValidateIf } from 'class-validator';
import { IsDisplayText } from '../../common/is-display-text.decorator.js';
import { IsInstant } from '../../common/is-instant.decorator.js';
import { JOB_EVENT_TYPES, type JobEvent } from '../executors/site-executor.js';

/** What a site's agent reports about a job it runs. */
export class JobEventDto {
  /** progress and checkpointed carry doneHours; failed carries reason. */
  @IsIn(JOB_EVENT_TYPES)
  type: JobEvent['type'];

  /** Hours of work done (at full allocation), for progress and checkpointed. */
  @ValidateIf((e: JobEventDto) => e.type === 'progress' || e.type === 'checkpointed')
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(24 * 366)
  doneHours?: number;

  /** Why the job failed, for failed. */
  @ValidateIf((e: JobEventDto) => e.type === 'failed')
  @IsString()
  @Length(1, 1000)
  @IsDisplayText() // shown on the dashboard and in the job's history
  reason?: string;

  /** When it happened at the site, ISO 8601 with offset; default now. Reports older than the last one are refused. */
  @IsOptional()
  @IsInstant()
  at?: string;
}
