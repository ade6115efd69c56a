import { IsIn, IsOptional } from 'class-validator';
import { IsInstant } from '../../common/is-instant.decorator.js';
import { RESOLUTIONS, type Resolution } from '../../domain/signals/forecast.js';

export class CsvUploadQueryDto {
  /** When the forecast was issued (ISO 8601 with offset); default now. */
  @IsOptional()
  @IsInstant()
  issuedAt?: string;

  /** PT15M, PT30M or PT1H (default). */
  @IsOptional()
  @IsIn(Object.keys(RESOLUTIONS))
  resolution?: Resolution;
}
