import { ApiProperty } from '@nestjs/swagger';

/** A configured zone's local time on the service clock. */
export class ZoneTimeDto {
  @ApiProperty({ example: 'cn-nm' })
  zone: string;

  @ApiProperty({ description: 'IANA time zone of the zone’s sites', example: 'Asia/Shanghai' })
  timeZone: string;

  @ApiProperty({
    description: 'The service clock’s now in the zone’s time zone',
    example: '2026-12-01T14:00:00.000+08:00',
  })
  local: string;
}

/** The service clock: the "now" that deadlines, earliest starts, forecasts and the plan are judged against. */
export class ClockDto {
  @ApiProperty({ description: 'The service clock’s now (ISO 8601, UTC)', example: '2026-12-01T06:00:00.000Z' })
  now: string;

  @ApiProperty({
    description: 'Service seconds per real second: 1 on the real clock, 720 in the demo (one hour every 5 s)',
    example: 720,
  })
  speed: number;

  @ApiProperty({ type: [ZoneTimeDto], description: 'Each configured zone’s local time' })
  zones: ZoneTimeDto[];
}
