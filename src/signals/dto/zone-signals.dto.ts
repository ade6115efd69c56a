import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ForecastProviderStatusDto } from '../providers/dto/forecast-provider-status.dto.js';
import { ZoneForecastErrorDto } from './zone-forecast-error.dto.js';

/** A configured zone and how far its effective forecast reaches. */
export class ZoneDto {
  @ApiProperty({ example: 'west' })
  id: string;

  @ApiPropertyOptional()
  name?: string;

  @ApiProperty({ description: 'IANA time zone of the zone’s sites', example: 'Asia/Shanghai' })
  timeZone: string;

  @ApiProperty({ type: String, nullable: true, description: 'issuedAt of the newest forecast stored; null before any' })
  latestIssuedAt: string | null;

  @ApiProperty({ description: 'Hours the effective series has a value for' })
  hoursCovered: number;

  @ApiProperty({ type: String, nullable: true, description: 'Start of the first hour with a value (UTC)' })
  firstHour: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'End of the last hour with a value (UTC)' })
  lastHourEnd: string | null;

  @ApiProperty({ type: [ForecastProviderStatusDto], description: 'The zone’s forecast providers and their last pulls' })
  providers: ForecastProviderStatusDto[];

  @ApiProperty({
    type: ZoneForecastErrorDto,
    description: 'Relative error of green supply by lead time: configured, else measured, else the default',
  })
  forecastError: ZoneForecastErrorDto;

  @ApiProperty({
    type: ZoneForecastErrorDto,
    description:
      'Mean absolute relative error of load by lead time (loadForecastError configured, else measured, else the ' +
      'default: 1.5% to 8%): where peaks follow the load forecast (peak.loadWithin), every hour with a 5% chance ' +
      'of turning out a peak under this error is one',
  })
  loadForecastError: ZoneForecastErrorDto;
}

const PEAK_CHANCE_DESCRIPTION =
  'The chance the hour turns out a peak, where the zone’s peaks follow its load forecast (peak.loadWithin): ' +
  'judged under the load forecast’s error (GET /v1/zones, loadForecastError); 1 in a peak window or grid event. ' +
  'The hour is peak from 0.1; below 0.5 the forecast alone would not make it one. null: the zone’s peaks are certain';

/** P10/P90 quantiles, where the sender gave them. */
export class ForecastBandDto {
  @ApiPropertyOptional() windMw?: number;
  @ApiPropertyOptional() solarMw?: number;
  @ApiPropertyOptional() loadMw?: number;
}

/** One hour of a zone's effective forecast, MW, with the forecast it came from. */
export class ForecastHourDto {
  @ApiProperty() windMw: number;
  @ApiProperty() solarMw: number;
  @ApiProperty() loadMw: number;
  @ApiPropertyOptional() hydroMw?: number;
  @ApiPropertyOptional() carbonGPerKwh?: number;
  @ApiPropertyOptional() pricePerMwh?: number;
  @ApiPropertyOptional({ type: ForecastBandDto }) p10?: ForecastBandDto;
  @ApiPropertyOptional({ type: ForecastBandDto }) p90?: ForecastBandDto;

  @ApiProperty({ description: 'issuedAt of the forecast revision this hour’s value came from' })
  issuedAt: string;
}

/** One hour of a zone: its forecast and what follows from it. */
export class ZoneHourDto {
  @ApiProperty({ description: 'Start of the hour (UTC)' })
  start: string;

  @ApiProperty({ description: 'Start of the hour in the zone’s time zone', example: '2026-03-02T17:00+08:00' })
  local: string;

  @ApiProperty({ type: ForecastHourDto, nullable: true, description: 'null where no forecast covers the hour' })
  forecast: ForecastHourDto | null;

  @ApiProperty({ type: Number, nullable: true, description: 'Wind + solar + hydro, MW' })
  renewableMw: number | null;

  @ApiProperty({ type: Number, nullable: true, description: 'Renewable supply beyond the zone’s load, MW' })
  surplusMw: number | null;

  @ApiProperty({ description: 'A peak hour of the zone (its rules or a grid event)' })
  peak: boolean;

  @ApiProperty({ type: Number, nullable: true, minimum: 0, maximum: 1, description: PEAK_CHANCE_DESCRIPTION })
  peakChance: number | null;
}

/** One hour of a site: what the planner reads. */
export class SiteHourDto {
  @ApiProperty({ description: 'Start of the hour (UTC)' })
  start: string;

  /** Green supply the site counts as its own, MW; null without a forecast. */
  @ApiProperty({ type: Number, nullable: true })
  greenMw: number | null;

  @ApiProperty()
  peak: boolean;

  @ApiProperty({ type: Number, nullable: true, minimum: 0, maximum: 1, description: PEAK_CHANCE_DESCRIPTION })
  peakChance: number | null;

  /** Cap on grid import (config or grid event), MW; null when uncapped. */
  @ApiProperty({ type: Number, nullable: true })
  importCapMw: number | null;

  @ApiProperty({ type: Number, nullable: true })
  pricePerMwh: number | null;

  @ApiProperty({ type: Number, nullable: true })
  carbonGPerKwh: number | null;
}

export class SiteSignalsDto {
  @ApiProperty()
  id: string;

  @ApiProperty({ type: [SiteHourDto] })
  hours: SiteHourDto[];
}

/** A zone's effective hourly series (revisions merged) and each of its sites' signals. */
export class ZoneSignalsDto {
  @ApiProperty()
  zone: string;

  @ApiProperty()
  timeZone: string;

  @ApiProperty({ description: 'First hour (UTC)' })
  from: string;

  @ApiProperty({ description: 'End, exclusive (UTC)' })
  to: string;

  @ApiProperty({ type: [ZoneHourDto] })
  hours: ZoneHourDto[];

  @ApiProperty({ type: [SiteSignalsDto] })
  sites: SiteSignalsDto[];
}

/** A forecast taken: the hours it covers after averaging to whole hours. */
export class ForecastAcceptedDto {
  @ApiProperty()
  zone: string;

  @ApiProperty()
  issuedAt: string;

  @ApiProperty({ description: 'Whole hours stored' })
  hours: number;

  @ApiProperty({ description: 'Start of the first hour (UTC)' })
  from: string;

  @ApiProperty({ description: 'End of the last hour (UTC)' })
  to: string;
}
