import { emptyRow, rowFigures } from '../domain/reports/savings.js';
import { savingsCsv } from './savings-csv.js';

describe('savings CSV', () => {
  const row = (tenant: string) => {
    const r = emptyRow(tenant);
    r.jobs.completed = 2;
    r.westwind = { energyMwh: 2, greenMwh: 2, gridMwh: 0, peakGridMwh: 0, carbonKg: 0, cost: 0 };
    r.fifo = { energyMwh: 2, greenMwh: 0, gridMwh: 2, peakGridMwh: 1.5, carbonKg: 1000, cost: -12.5 };
    return rowFigures(r);
  };

  it('writes a header row and one row per tenant in a stable column order, CRLF-terminated', () => {
    expect(savingsCsv({ month: '2026-03', tenants: [row('alpha'), row('beta')] }).split('\r\n')).toEqual([
      'month,tenant,jobs,completed,failed,cancelled,' +
        'westwind_energy_mwh,westwind_green_mwh,westwind_grid_mwh,' +
        'westwind_peak_grid_mwh,westwind_carbon_kg,westwind_cost,' +
        'fifo_energy_mwh,fifo_green_mwh,fifo_grid_mwh,fifo_peak_grid_mwh,fifo_carbon_kg,fifo_cost,' +
        'avoided_grid_mwh,avoided_peak_grid_mwh,avoided_carbon_kg,avoided_cost',
      '2026-03,alpha,2,2,0,0,2,2,0,0,0,0,2,0,2,1.5,1000,-12.5,2,1.5,1000,-12.5',
      '2026-03,beta,2,2,0,0,2,2,0,0,0,0,2,0,2,1.5,1000,-12.5,2,1.5,1000,-12.5',
      '',
    ]);
  });

  it('quotes fields with commas, quotes or line breaks (RFC 4180), and only those', () => {
    const csv = savingsCsv({
      month: '2026-03',
      tenants: [row('a,b'), row('say "hi"'), row('two\nlines'), row('plain')],
    });
    const tenants = csv
      .split('\r\n')
      .slice(1, -1)
      .map((line) => line.slice('2026-03,'.length, line.indexOf(',2,2,0,0')));
    expect(tenants).toEqual(['"a,b"', '"say ""hi"""', '"two\nlines"', 'plain']);
  });
});
