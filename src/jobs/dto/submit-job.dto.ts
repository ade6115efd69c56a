import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsBoolean,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  IsUrl,
  Length,
  Matches,
  Max,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { IsDisplayText } from '../../common/is-display-text.decorator.js';
import { IsInstant } from '../../common/is-instant.decorator.js';
import { IsPowerCurve, PowerCurveDto } from './power-curve.dto.js';
import { SlurmJobDto } from './slurm-job.dto.js';

const FINITE = { allowNaN: false, allowInfinity: false } as const;
const ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** A training job as an ML engineer submits it. */
export class SubmitJobDto {
  /** Human-readable name, shown on the dashboard: no control or bidirectional characters, not only whitespace. */
  @IsString()
  @Length(1, 200)
  @IsDisplayText()
  name: string;

  /** GPUs the job needs while it runs. */
  @IsInt()
  @Min(1)
  @Max(100_000)
  gpus: number;

  /** Wall-clock hours at full allocation, without checkpoint overhead. */
  @IsNumber(FINITE)
  @Min(1 / 60, { message: 'must be at least one minute (1/60 h)' })
  @Max(24 * 366)
  runtimeHours: number;

  /** Latest acceptable finish, ISO 8601 with offset. */
  @IsInstant()
  deadline: string;

  /** Not before this instant (ISO 8601 with offset); defaults to now. */
  @IsOptional()
  @IsInstant()
  earliestStart?: string;

  /** false: start as soon as capacity allows and never pause. */
  @IsOptional()
  @IsBoolean()
  deferrable?: boolean;

  /** true: may pause and resume from a checkpoint. */
  @IsOptional()
  @IsBoolean()
  interruptible?: boolean;

  /** Overhead of one pause/resume cycle in minutes. */
  @IsOptional()
  @IsNumber(FINITE)
  @Min(0)
  @Max(24 * 60)
  checkpointMinutes?: number;

  /** 0 (lowest) to 9 (highest); default 5. */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(9)
  priority?: number;

  /** Sites the job may run at; default any. */
  @IsOptional()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @ArrayUnique()
  @Matches(ID, { each: true, message: 'each site must be a site id' })
  sites?: string[];

  /** Where the training data lives (a configured data region). */
  @ValidateIf((job: SubmitJobDto) => job.dataRegion !== undefined || job.datasetGb !== undefined)
  @Matches(ID, { message: 'must be a data region id (required when datasetGb is given)' })
  dataRegion?: string;

  /** Size of the training data in GB, moved to the site when it runs away from its data region. */
  @IsOptional()
  @IsNumber(FINITE)
  @Min(0)
  @Max(10_000_000)
  datasetGb?: number;

  /** Queue the job even if the planner cannot meet its deadline (otherwise 422 with the earliest finish). */
  @IsOptional()
  @IsBoolean()
  acceptLate?: boolean;

  /** Where to notify the job's owner of state changes. */
  @IsOptional()
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false })
  @Length(1, 2048)
  callbackUrl?: string;

  /** For Slurm sites: the batch script (or command) and sbatch options; see docs/slurm.md. */
  @IsOptional()
  @ValidateNested()
  @Type(() => SlurmJobDto)
  slurm?: SlurmJobDto;

  /**
   * How the job bends under a GPU power cap: `{ minFraction, throughput: [[fraction, throughput], …] }`.
   * Absent: the job is never capped, only paused.
   */
  @IsOptional()
  @IsPowerCurve()
  power?: PowerCurveDto;
}
