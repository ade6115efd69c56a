import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, Matches } from 'class-validator';

export class SavingsQueryDto {
  @ApiPropertyOptional({
    description: 'Calendar month in UTC, YYYY-MM; default the current month of the service clock; the last 13 are kept',
    example: '2026-03',
    pattern: '^\\d{4}-(0[1-9]|1[0-2])$',
  })
  @IsOptional()
  @Matches(/^\d{4}-(0[1-9]|1[0-2])$/, { message: 'must be a calendar month as YYYY-MM (UTC)' })
  month?: string;

  @ApiPropertyOptional({
    enum: ['json', 'csv'],
    description: 'Answer as JSON or CSV; without it, `Accept: text/csv` asks for CSV',
  })
  @IsOptional()
  @IsIn(['json', 'csv'])
  format?: 'json' | 'csv';
}
