import { Type } from 'class-transformer';
import {
  Allow,
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsNumber,
  IsOptional,
  IsString,
  Length,
  Min,
  ValidateNested,
} from 'class-validator';
import { IsInstant } from '../../common/is-instant.decorator.js';
import { MAX_POINTS, RESOLUTIONS, type Resolution } from '../../domain/signals/forecast.js';

const FINITE = { allowNaN: false, allowInfinity: false } as const;

export class BandDto {
  @IsOptional() @IsNumber(FINITE) @Min(0) windMw?: number;
  @IsOptional() @IsNumber(FINITE) @Min(0) solarMw?: number;
  @IsOptional() @IsNumber(FINITE) @Min(0) loadMw?: number;
}

/** One interval of a forecast, MW averaged over the interval. */
export class ForecastPointDto {
  /** Interval start, ISO 8601 with offset, on the resolution's grid. */
  @IsInstant()
  start: string;

  @IsNumber(FINITE) @Min(0) windMw: number;
  @IsNumber(FINITE) @Min(0) solarMw: number;
  @IsNumber(FINITE) @Min(0) loadMw: number;
  @IsOptional() @IsNumber(FINITE) @Min(0) hydroMw?: number;
  @IsOptional() @IsNumber(FINITE) @Min(0) carbonGPerKwh?: number;
  /** May be negative: real markets clear below zero in a renewable glut. */
  @IsOptional() @IsNumber(FINITE) pricePerMwh?: number;

  @IsOptional() @ValidateNested() @Type(() => BandDto) p10?: BandDto;
  @IsOptional() @ValidateNested() @Type(() => BandDto) p90?: BandDto;
}

/** A zone forecast pushed by a grid operator (the canonical webhook format). */
export class ForecastDto {
  @IsString()
  @Length(1, 64)
  zone: string;

  /** When the sender issued it; a later issuedAt replaces earlier values hour by hour. */
  @IsInstant()
  issuedAt: string;

  @IsIn(Object.keys(RESOLUTIONS))
  resolution: Resolution;

  /** Each point is checked by pointProblems (a plain loop: up to 10,000 per delivery). */
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_POINTS)
  @Allow()
  points: ForecastPointDto[];
}
