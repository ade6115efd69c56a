import { IsOptional } from 'class-validator';
import { IsInstant } from '../../common/is-instant.decorator.js';

export class SignalsQueryDto {
  /** First hour (ISO 8601 with offset); default the current hour. */
  @IsOptional()
  @IsInstant()
  from?: string;

  /** End (exclusive, rounded up to the hour); default 48 hours after from; at most 31 days. */
  @IsOptional()
  @IsInstant()
  to?: string;
}
