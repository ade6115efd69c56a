import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { FAILURE_KINDS, type ProviderFailureKind } from '../forecast-provider.js';

/** A provider's last failed pull; the message never carries a credential. */
export class ForecastPullErrorDto {
  @ApiProperty({ enum: FAILURE_KINDS })
  kind: ProviderFailureKind;

  @ApiProperty({ example: 'ENTSO-E answered 503' })
  message: string;

  @ApiPropertyOptional({ description: 'HTTP status, where the provider answered' })
  status?: number;

  @ApiProperty({ description: 'When it failed (service clock, UTC)' })
  at: string;
}

/** One forecast provider of a zone: what it last brought and whether the zone's forecast from it is stale. */
export class ForecastProviderStatusDto {
  @ApiProperty({ enum: ['entsoe', 'electricity-maps', 'watttime'] })
  type: string;

  @ApiProperty({ description: 'The provider’s area: EIC code, zone key or region', example: '10YFI-1--------U' })
  area: string;

  @ApiProperty({ description: 'Pulled this often (ISO 8601 duration)', example: 'PT1H' })
  refresh: string;

  @ApiProperty({ type: String, nullable: true, description: 'Last good pull (service clock, UTC); null before any' })
  lastSuccessAt: string | null;

  @ApiProperty({ type: Number, nullable: true, description: 'Seconds since the last successful pull; null before any' })
  ageSeconds: number | null;

  @ApiProperty({ type: String, nullable: true, description: 'issuedAt of the provider’s last good forecast' })
  issuedAt: string | null;

  @ApiProperty({
    description: 'No good pull yet, the last pull failed, or the last good one is older than twice the refresh',
  })
  stale: boolean;

  @ApiProperty({ type: ForecastPullErrorDto, nullable: true, description: 'The last failed pull, if any' })
  lastError: ForecastPullErrorDto | null;

  @ApiProperty({ description: 'Failed pulls since the last good one' })
  consecutiveFailures: number;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Next pull, not before (service clock, UTC): a refresh after a good pull, a back-off after a failure',
  })
  nextAttemptAt: string | null;

  @ApiProperty({ type: Number, nullable: true, description: 'Hours the last good pull stored' })
  hoursStored: number | null;

  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'Hours of the last good pull left out: no wind, solar and load stored to lay a carbon forecast on',
  })
  hoursIncomplete: number | null;
}
