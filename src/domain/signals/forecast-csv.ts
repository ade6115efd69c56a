import type { FieldError } from '../field-error.js';
import { parseInstant } from '../time/instant.js';
import type { ForecastPoint } from './forecast.js';
import { MAX_POINTS } from './forecast.js';

const REQUIRED = ['start', 'windMw', 'solarMw', 'loadMw'] as const;
const OPTIONAL = ['hydroMw', 'carbonGPerKwh', 'pricePerMwh'] as const;
const NUMBER = /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/;

/**
 * Reads forecast rows `start,windMw,solarMw,loadMw[,hydroMw][,carbonGPerKwh][,pricePerMwh]` under
 * a header naming the columns. The format has no quoting (timestamps and numbers only), so a line
 * splits on commas. Every problem is reported with its line number; any problem refuses the file.
 */
export function parseForecastCsv(
  text: string,
): { points: ForecastPoint[]; problems?: undefined } | { points?: undefined; problems: FieldError[] } {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
  const header = (lines[0] ?? '').split(',').map((h) => h.trim());
  const problems: FieldError[] = [];
  const missing = REQUIRED.filter((column) => !header.includes(column));
  const unknown = header.filter(
    (column) => !(REQUIRED as readonly string[]).includes(column) && !(OPTIONAL as readonly string[]).includes(column),
  );
  if (missing.length > 0 || unknown.length > 0) {
    return {
      problems: [
        {
          field: 'line 1',
          message:
            `header must name ${REQUIRED.join(', ')} and optionally ${OPTIONAL.join(', ')}` +
            (unknown.length ? `; unknown: ${unknown.join(', ')}` : ''),
        },
      ],
    };
  }
  if (lines.length - 1 > MAX_POINTS)
    return { problems: [{ field: 'file', message: `has ${lines.length - 1} rows; at most ${MAX_POINTS}` }] };
  if (lines.length < 2) return { problems: [{ field: 'file', message: 'has no rows' }] };
  const points: ForecastPoint[] = [];
  for (let n = 1; n < lines.length; n++) {
    const cells = lines[n].split(',').map((c) => c.trim());
    const line = `line ${n + 1}`;
    if (cells.length !== header.length) {
      problems.push({ field: line, message: `has ${cells.length} fields; the header has ${header.length}` });
      continue;
    }
    const row: Record<string, string | number> = {};
    header.forEach((column, i) => {
      const cell = cells[i];
      if (column === 'start') {
        if (!parseInstant(cell))
          problems.push({ field: `${line}: start`, message: 'must be an ISO 8601 date-time with an offset' });
        row.start = cell;
      } else if (cell === '' && (OPTIONAL as readonly string[]).includes(column)) {
        // an empty optional cell means "not given"
      } else if (
        !NUMBER.test(cell) ||
        !Number.isFinite(Number(cell)) ||
        (column !== 'pricePerMwh' && Number(cell) < 0)
      ) {
        problems.push({
          field: `${line}: ${column}`,
          message: column === 'pricePerMwh' ? 'must be a finite number' : 'must be a finite, non-negative number',
        });
      } else {
        row[column] = Number(cell);
      }
    });
    points.push(row as unknown as ForecastPoint);
  }
  return problems.length > 0 ? { problems } : { points };
}
