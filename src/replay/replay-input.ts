import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import type { DateTime } from 'luxon';
import { readFileSync } from 'node:fs';
import { flattenValidationErrors } from '../common/field-errors.js';
import { ConfigError } from '../config/config-error.js';
import { loadWestwindConfig, WestwindConfig } from '../config/westwind-config.js';
import { MAX_POWER_POINTS, powerCurveProblem, type PowerCurve } from '../domain/energy/power-curve.js';
import { admitJob } from '../domain/jobs/job-admission.js';
import type { Job } from '../domain/jobs/job.js';
import type { HourSignal } from '../domain/signals/forecast.js';
import type { ZoneSeries } from '../domain/signals/site-signals.js';
import { parseInstant } from '../domain/time/instant.js';
import { SubmitJobDto } from '../jobs/dto/submit-job.dto.js';
import { HOUR_MS, isHourStart } from '../domain/time/hours.js';

/** One thing wrong with the replay's input, with where it is. */
export interface InputProblem {
  file: string;
  line?: number;
  field?: string;
  message: string;
}

/** The input cannot be replayed; nothing ran. The message lists every problem (the first 50). */
export class ReplayInputError extends Error {
  constructor(readonly problems: InputProblem[]) {
    const shown = problems.slice(0, 50).map(describeProblem);
    if (problems.length > 50) shown.push(`… and ${problems.length - 50} more`);
    super(`the replay's input has ${problems.length} problem(s):\n${shown.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ReplayInputError';
  }
}

export function describeProblem(p: InputProblem): string {
  return `${p.file}${p.line ? `:${p.line}` : ''}: ${p.field ? `${p.field}: ` : ''}${p.message}`;
}

const SIGNAL_REQUIRED = ['zone', 'start', 'windMw', 'solarMw', 'loadMw'] as const;
const SIGNAL_OPTIONAL = ['hydroMw', 'carbonGPerKwh', 'pricePerMwh'] as const;
const JOB_REQUIRED = ['id', 'submitAt', 'gpus', 'runtimeHours', 'deadline'] as const;
const JOB_OPTIONAL = [
  'deferrable',
  'interruptible',
  'checkpointMinutes',
  'priority',
  'sites',
  'dataRegion',
  'datasetGb',
  'power',
] as const;
const NUMBER = /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/;
const JOB_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
/** Replayed jobs belong to this tenant; the replay has one. */
export const REPLAY_TENANT = 'replay';

/**
 * The service's own YAML. The replay uses zones, sites, data regions and peak rules, never secrets,
 * so environment variables a production config names for its secrets need not be set for it.
 */
export function readReplayConfig(path: string, env: Record<string, string | undefined> = process.env): WestwindConfig {
  try {
    return loadWestwindConfig(path, env);
  } catch (error) {
    const unset =
      error instanceof ConfigError
        ? error.problems.flatMap((p) => /^environment variable (\w+) is not set/.exec(p.message)?.[1] ?? [])
        : [];
    if (unset.length === 0) throw error;
    return loadWestwindConfig(path, {
      ...env,
      ...Object.fromEntries(unset.map((name) => [name, 'not-used-by-the-replay'])),
    });
  }
}

/** A CSV file as header + rows of trimmed cells; the formats have no quoting (ids, instants and numbers only). */
function readTable(
  text: string,
  file: string,
  required: readonly string[],
  optional: readonly string[],
  problems: InputProblem[],
): { header: string[]; rows: { line: number; cells: Map<string, string> }[] } {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
  const header = (lines[0] ?? '').split(',').map((h) => h.trim());
  const missing = required.filter((c) => !header.includes(c));
  const unknown = header.filter((c) => !required.includes(c) && !optional.includes(c));
  const repeated = header.filter((c, i) => header.indexOf(c) !== i);
  if (missing.length || unknown.length || repeated.length) {
    const detail = [
      missing.length ? `missing ${missing.join(', ')}` : '',
      unknown.length ? `unknown ${unknown.join(', ')}` : '',
      repeated.length ? `repeated ${repeated.join(', ')}` : '',
    ]
      .filter(Boolean)
      .join('; ');
    problems.push({
      file,
      line: 1,
      field: 'header',
      message: `must name ${required.join(', ')} and optionally ${optional.join(', ')} (${detail})`,
    });
    return { header, rows: [] };
  }
  if (lines.length < 2) problems.push({ file, message: 'has no rows' });
  const rows: { line: number; cells: Map<string, string> }[] = [];
  for (let n = 1; n < lines.length; n++) {
    const cells = lines[n].split(',').map((c) => c.trim());
    if (cells.length !== header.length) {
      problems.push({ file, line: n + 1, message: `has ${cells.length} fields; the header has ${header.length}` });
      continue;
    }
    rows.push({ line: n + 1, cells: new Map(header.map((column, i) => [column, cells[i]])) });
  }
  return { header, rows };
}

/** Actual hourly series per zone over the hours every zone has: [start, start + hours). */
export interface ReplaySignals {
  start: DateTime;
  hours: number;
  zones: Map<string, ZoneSeries>;
}

/**
 * Signals CSV: `zone,start,windMw,solarMw,loadMw[,hydroMw][,carbonGPerKwh][,pricePerMwh]`, one row
 * per zone and UTC hour, each zone's rows in time order without gaps. Every configured zone must
 * have rows; the replay covers the hours all zones have.
 */
export function parseSignalsCsv(text: string, file: string, config: WestwindConfig): ReplaySignals {
  const problems: InputProblem[] = [];
  const { rows } = readTable(text, file, SIGNAL_REQUIRED, SIGNAL_OPTIONAL, problems);
  const zoneIds = new Set(config.zones.map((z) => z.id));
  const byZone = new Map<string, HourSignal[]>();
  for (const { line, cells } of rows) {
    const at = (field: string, message: string) => problems.push({ file, line, field, message });
    const zone = cells.get('zone')!;
    const start = parseInstant(cells.get('start')!);
    if (!zoneIds.has(zone)) at('zone', `"${zone}" is not a zone of the config (${[...zoneIds].join(', ')})`);
    const onTheHour = start !== undefined && isHourStart(start.toMillis());
    if (!start) at('start', 'must be an ISO 8601 date-time with an offset');
    else if (!onTheHour) at('start', 'must be the start of an hour');
    const signal: Record<string, number> = { hour: start?.toMillis() ?? NaN };
    for (const column of [...SIGNAL_REQUIRED.slice(2), ...SIGNAL_OPTIONAL]) {
      const cell = cells.get(column);
      if (cell === undefined || (cell === '' && (SIGNAL_OPTIONAL as readonly string[]).includes(column))) continue;
      const value = Number(cell);
      const mayBeNegative = column === 'pricePerMwh';
      if (!NUMBER.test(cell) || !Number.isFinite(value) || (!mayBeNegative && value < 0))
        at(column, mayBeNegative ? 'must be a finite number' : 'must be a finite, non-negative number');
      else signal[column] = value;
    }
    if (!zoneIds.has(zone) || !onTheHour) continue;
    const series = byZone.get(zone) ?? byZone.set(zone, []).get(zone)!;
    const previous = series[series.length - 1];
    if (previous && signal.hour !== previous.hour + HOUR_MS) {
      const rule = "each zone's rows must be hourly, in order, without gaps";
      at(
        'start',
        `${cells.get('start')} does not follow ${new Date(previous.hour).toISOString()} by one hour: ${rule}`,
      );
      continue;
    }
    series.push(signal as unknown as HourSignal);
  }
  for (const zone of zoneIds)
    if (!byZone.has(zone) && rows.length > 0)
      problems.push({ file, field: 'zone', message: `config zone "${zone}" has no rows` });
  if (problems.length > 0) throw new ReplayInputError(byLine(problems));

  const first = Math.max(...[...byZone.values()].map((s) => s[0].hour));
  const end = Math.min(...[...byZone.values()].map((s) => s[s.length - 1].hour + HOUR_MS));
  if (end <= first) throw new ReplayInputError([{ file, message: 'the zones have no hour in common' }]);
  const start = parseInstant(new Date(first).toISOString())!;
  const hours = (end - first) / HOUR_MS;
  const zones = new Map(
    [...byZone].map(([zone, series]) => {
      const offset = (first - series[0].hour) / HOUR_MS;
      return [zone, { start, hours, values: series.slice(offset, offset + hours) }] as const;
    }),
  );
  return { start, hours, zones };
}

/**
 * Jobs CSV: `id,submitAt,gpus,runtimeHours,deadline[,deferrable][,interruptible][,checkpointMinutes]
 * [,priority][,sites][,dataRegion][,datasetGb][,power]`; `sites` separated by `;`, `power` as
 * `fraction:throughput` pairs separated by `;` (parsePowerCell), booleans `true`/`false`,
 * empty optional cells take the API's defaults. Each row is checked by the same rules as
 * `POST /v1/jobs` and admitted as if submitted at `submitAt`.
 */
export function parseJobsCsv(text: string, file: string, config: WestwindConfig): Job[] {
  const problems: InputProblem[] = [];
  const { rows } = readTable(text, file, JOB_REQUIRED, JOB_OPTIONAL, problems);
  const seen = new Map<string, number>();
  const jobs: Job[] = [];
  for (const { line, cells } of rows) {
    const before = problems.length;
    const at = (field: string, message: string) => problems.push({ file, line, field, message });
    const id = cells.get('id')!;
    if (!JOB_ID.test(id)) at('id', 'must be 1–128 letters, digits, dots, dashes or underscores');
    else if (seen.has(id)) at('id', `"${id}" repeats line ${seen.get(id)}`);
    else seen.set(id, line);
    const submitAt = parseInstant(cells.get('submitAt')!);
    if (!submitAt) at('submitAt', 'must be an ISO 8601 date-time with an offset');
    const request: Record<string, unknown> = { name: id, deadline: cells.get('deadline') };
    for (const [column, cell] of cells) {
      if (cell === '' || ['id', 'submitAt', 'deadline'].includes(column)) continue;
      if (column === 'sites') request.sites = cell.split(';').map((s) => s.trim());
      else if (column === 'power') {
        const parsed = parsePowerCell(cell);
        if ('problem' in parsed) at('power', parsed.problem);
        else request.power = parsed.curve;
      } else if (column === 'dataRegion') request.dataRegion = cell;
      else if (column === 'deferrable' || column === 'interruptible') {
        if (cell !== 'true' && cell !== 'false') at(column, 'must be true or false');
        else request[column] = cell === 'true';
      } else if (!NUMBER.test(cell)) at(column, 'must be a number');
      else request[column] = Number(cell);
    }
    if (problems.length > before) continue;
    // The API's own validation, then its admission rules (known sites, a site big enough, room before the deadline).
    const shape = flattenValidationErrors(
      validateSync(plainToInstance(SubmitJobDto, request), { whitelist: true, forbidNonWhitelisted: true }),
    );
    shape.forEach((p) => at(p.field === 'name' ? 'id' : p.field, p.message));
    if (shape.length > 0 || !submitAt) continue;
    const admission = admitJob(request as unknown as SubmitJobDto, config, { id, tenant: REPLAY_TENANT }, submitAt);
    if (admission.problems) admission.problems.forEach((p) => at(p.field, p.message));
    else jobs.push(admission.job);
  }
  if (problems.length > 0) throw new ReplayInputError(byLine(problems));
  return jobs;
}

/** The jobs CSV's `power` cell, as its error messages describe it. */
const POWER_FORM = 'fraction:throughput pairs separated by ";", e.g. 1:1;0.7:0.9;0.5:0.7';

/**
 * A jobs CSV `power` cell: the job's power curve as `fraction:throughput` pairs separated by `;`
 * (`1:1;0.7:0.9;0.5:0.7`: at 70% of its full power it does 90% of its work rate). No quoting and
 * no commas, so it survives any spreadsheet; the lowest fraction given is the job's minFraction.
 * The curve is then checked by the API's rules (powerCurveProblem).
 */
export function parsePowerCell(cell: string): { curve: PowerCurve } | { problem: string } {
  const pairs = cell.split(';').map((pair) => pair.trim());
  const throughput: [number, number][] = [];
  for (const [i, pair] of pairs.entries()) {
    const parts = pair.split(':').map((part) => part.trim());
    if (parts.length !== 2 || !parts.every((part) => NUMBER.test(part)))
      return { problem: `pair ${i + 1} "${pair.slice(0, 32)}" is not fraction:throughput (${POWER_FORM})` };
    throughput.push([Number(parts[0]), Number(parts[1])]);
  }
  if (throughput.length > MAX_POWER_POINTS)
    return { problem: `has ${throughput.length} pairs; at most ${MAX_POWER_POINTS}` };
  const minFraction = Math.min(...throughput.map(([fraction]) => fraction));
  if (!(minFraction > 0)) return { problem: `power fraction ${minFraction} must be above 0` };
  const problem = powerCurveProblem({ minFraction, throughput });
  if (!problem) return { curve: { minFraction, throughput } };
  // The API's words name minFraction and throughput[i]; in the cell there are only pairs.
  return {
    problem: problem
      .replace(/^throughput\[(\d+)\]/, (_, i: string) => `pair ${Number(i) + 1}`)
      .replace(/^throughput: /, '')
      .replace('[1, 1]', '1:1'),
  };
}

function byLine(problems: InputProblem[]): InputProblem[] {
  return [...problems].sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity));
}

export function readReplayFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new ReplayInputError([{ file: path, message: `cannot be read: ${(error as Error).message}` }]);
  }
}
