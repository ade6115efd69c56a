import { ApiProperty } from '@nestjs/swagger';

/** Energy of the month's finished jobs, as run or as fifo would have run them. */
export class SavingsEnergyDto {
  @ApiProperty({ description: 'AI energy, MWh', example: 12.5 })
  energyMwh: number;

  @ApiProperty({ description: 'Of it, met by the site’s green supply, MWh', example: 9.1 })
  greenMwh: number;

  @ApiProperty({ description: 'Of it, drawn from the grid, MWh', example: 3.4 })
  gridMwh: number;

  @ApiProperty({ description: 'Grid energy in the site’s peak hours, MWh', example: 0.2 })
  peakGridMwh: number;

  @ApiProperty({ description: 'Grid energy × the hour’s carbon intensity, kg CO2 (0 where unknown)', example: 1870 })
  carbonKg: number;

  @ApiProperty({
    description: 'Grid energy × the hour’s price, in the signals’ price unit (0 where unknown)',
    example: 310.5,
  })
  cost: number;
}

/** fifo − Westwind: what Westwind avoided (negative where fifo would have done better). */
export class SavingsAvoidedDto {
  @ApiProperty({ example: 4.2 }) gridMwh: number;
  @ApiProperty({ example: 2.9 }) peakGridMwh: number;
  @ApiProperty({ example: 2310 }) carbonKg: number;
  @ApiProperty({ example: 520.25 }) cost: number;
}

/** Finished jobs of the month added up: how they ended, what they used, what fifo would have used. */
export class SavingsTotalsDto {
  @ApiProperty({ description: 'Jobs counted: completed + failed + cancelled', example: 14 })
  jobs: number;

  @ApiProperty({ example: 12 }) completed: number;
  @ApiProperty({ example: 1 }) failed: number;
  @ApiProperty({ example: 1 }) cancelled: number;

  @ApiProperty({ type: SavingsEnergyDto, description: 'What the jobs used as Westwind ran them (metered)' })
  westwind: SavingsEnergyDto;

  @ApiProperty({ type: SavingsEnergyDto, description: 'The same energy run fifo: at once, straight through' })
  fifo: SavingsEnergyDto;

  @ApiProperty({ type: SavingsAvoidedDto })
  avoided: SavingsAvoidedDto;
}

export class SavingsRowDto extends SavingsTotalsDto {
  @ApiProperty({ example: 'alpha' })
  tenant: string;
}

export class SavingsReportDto {
  @ApiProperty({ description: 'Calendar month in UTC', example: '2026-03' })
  month: string;

  @ApiProperty({ enum: ['UTC'], description: 'The zone the month is counted in', example: 'UTC' })
  timeZone: 'UTC';

  @ApiProperty({ description: 'Start of the month (UTC)', example: '2026-03-01T00:00:00.000Z' })
  from: string;

  @ApiProperty({ description: 'End of the month, exclusive (UTC)', example: '2026-04-01T00:00:00.000Z' })
  to: string;

  @ApiProperty({ description: 'The month is over on the service clock; while false the figures still grow' })
  complete: boolean;

  @ApiProperty({ description: 'The service clock when the report was read (UTC)', example: '2026-03-14T09:00:00.000Z' })
  generatedAt: string;

  @ApiProperty({
    type: [SavingsRowDto],
    description: 'One row per tenant: the caller’s own, or every tenant for operators',
  })
  tenants: SavingsRowDto[];

  @ApiProperty({ type: SavingsTotalsDto, description: 'The rows added up' })
  totals: SavingsTotalsDto;
}
