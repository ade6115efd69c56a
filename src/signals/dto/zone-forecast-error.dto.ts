import { ApiProperty } from '@nestjs/swagger';
import { LEAD_BUCKET_IDS } from '../../domain/signals/measured-forecast-error.js';

/** What the zone's stored forecast revisions say about one lead bucket. */
export class MeasuredForecastErrorDto {
  @ApiProperty({
    type: Number,
    nullable: true,
    description:
      'Σ |earlier revision − what came| / Σ what came, of the series (green supply: wind + solar + hydro; or load) ' +
      'over the hours that have ended; null where nothing could be compared',
    example: 0.083,
  })
  relativeError: number | null;

  @ApiProperty({ description: '(revision, hour) pairs compared' })
  pairs: number;

  @ApiProperty({ description: 'Distinct hours compared; the figure is used from 24' })
  hours: number;
}

/** The relative error taken for a zone's forecasts at one range of lead times, and where it comes from. */
export class ForecastErrorBucketDto {
  @ApiProperty({ enum: LEAD_BUCKET_IDS, description: 'Lead time: hours from issue to the hour forecast' })
  lead: string;

  @ApiProperty({ example: 6 })
  fromHours: number;

  @ApiProperty({ type: Number, nullable: true, description: 'Exclusive; null: no upper end', example: 24 })
  toHours: number | null;

  @ApiProperty({
    description:
      'Mean absolute relative error in force: for green supply, standing in where a forecast has no P10/P90 band; ' +
      'for load, what load-derived peaks are judged under (as σ = error × √(π/2))',
    example: 0.1,
  })
  relativeError: number;

  @ApiProperty({
    enum: ['configured', 'measured', 'default'],
    description:
      "The zone's forecastError (loadForecastError for load), else measured (on ≥ 24 hours), " +
      'else the documented default',
  })
  source: 'configured' | 'measured' | 'default';

  @ApiProperty({ type: MeasuredForecastErrorDto })
  measured: MeasuredForecastErrorDto;
}

/** A zone's forecast error of green supply, or of load, by lead time (docs/grid-signals.md, "Forecast error"). */
export class ZoneForecastErrorDto {
  @ApiProperty({ description: 'Forecast revisions of the series in the zone’s audit stream, measured on' })
  revisions: number;

  @ApiProperty({ type: [ForecastErrorBucketDto] })
  buckets: ForecastErrorBucketDto[];
}
