import type { SavingsReport } from './savings.service.js';

type Row = SavingsReport['tenants'][number];

/** The CSV's columns, in this order, and how each is read from a tenant's row. */
export const SAVINGS_CSV_COLUMNS: readonly [string, (row: Row) => string | number][] = [
  ['tenant', (r) => r.tenant],
  ['jobs', (r) => r.jobs],
  ['completed', (r) => r.completed],
  ['failed', (r) => r.failed],
  ['cancelled', (r) => r.cancelled],
  ...(['westwind', 'fifo'] as const).flatMap((side) =>
    (
      [
        ['energy_mwh', 'energyMwh'],
        ['green_mwh', 'greenMwh'],
        ['grid_mwh', 'gridMwh'],
        ['peak_grid_mwh', 'peakGridMwh'],
        ['carbon_kg', 'carbonKg'],
        ['cost', 'cost'],
      ] as const
    ).map(([column, figure]) => [`${side}_${column}`, (r: Row) => r[side][figure]] as [string, (row: Row) => number]),
  ),
  ['avoided_grid_mwh', (r) => r.avoided.gridMwh],
  ['avoided_peak_grid_mwh', (r) => r.avoided.peakGridMwh],
  ['avoided_carbon_kg', (r) => r.avoided.carbonKg],
  ['avoided_cost', (r) => r.avoided.cost],
];

/**
 * The report as CSV (RFC 4180): a header row, then one row per tenant, each starting with the month;
 * lines end in CRLF; a field holding a comma, quote or line break is quoted, its quotes doubled. No
 * totals row: the rows add up to the JSON's totals.
 */
export function savingsCsv(report: Pick<SavingsReport, 'month' | 'tenants'>): string {
  const lines = [['month', ...SAVINGS_CSV_COLUMNS.map(([name]) => name)]];
  for (const row of report.tenants)
    lines.push([report.month, ...SAVINGS_CSV_COLUMNS.map(([, read]) => String(read(row)))]);
  return lines.map((fields) => fields.map(csvField).join(',')).join('\r\n') + '\r\n';
}

function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
