/**
 * npm run replay -- --config <yaml> --signals <csv> --jobs <csv> [--objective green|carbon|cost]
 *   [--forecast-error 0.1] [--forecast-bias -0.05] [--forecast-load-error 0.03]
 *   [--forecast-model evolving|redrawn|flat] [--forecasts watttime-historical.json ...]
 *   [--seed N] [--strategies westwind,fifo,peak-pause,lp] [--from ISO --to ISO] [--out DIR]
 *
 * What-if replay of Westwind's planner over real data (docs/replay.md). Writes DIR/report.json and a
 * self-contained DIR/report.html. Bad input (any file, line or flag) is reported and nothing runs: exit 2.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError } from '../config/config-error.js';
import type { Objective } from '../domain/planner/plan-types.js';
import { parseInstant } from '../domain/time/instant.js';
import {
  InputProblem,
  parseJobsCsv,
  parseSignalsCsv,
  readReplayConfig,
  readReplayFile,
  ReplayInputError,
} from './replay-input.js';
import { renderReportHtml } from './replay-html.js';
import { IssuedForecasts, readWattTimeHistorical } from './issued-forecasts.js';
import {
  FORECAST_MODELS,
  forecastText,
  ForecastModelName,
  REPLAY_STRATEGIES,
  ReplayReport,
  ReplayRequest,
  ReplayStrategy,
  runReplay,
} from './replay.js';
import { ProgressBar } from './progress-bar.js';

const OBJECTIVES: readonly Objective[] = ['green', 'carbon', 'cost'];

/** The command line as a replay request; every bad flag is a problem, none is guessed. */
function requestFromArgs(args: string[]): { request: Omit<ReplayRequest, 'onProgress'>; out: string } {
  const { values } = parseArgs({
    args: negativeValuesJoined(args),
    strict: true,
    options: {
      config: { type: 'string' },
      signals: { type: 'string' },
      jobs: { type: 'string' },
      objective: { type: 'string', default: 'green' },
      'forecast-error': { type: 'string', default: '0' },
      'forecast-bias': { type: 'string', default: '0' },
      'forecast-load-error': { type: 'string' },
      'forecast-model': { type: 'string', default: 'evolving' },
      forecasts: { type: 'string', multiple: true },
      seed: { type: 'string', default: '1' },
      strategies: { type: 'string', default: 'westwind,fifo,peak-pause' },
      from: { type: 'string' },
      to: { type: 'string' },
      out: { type: 'string', default: 'replay-out' },
    },
  });
  const problems: InputProblem[] = [];
  const flag = (name: string, message: string) => problems.push({ file: `--${name}`, message });
  for (const name of ['config', 'signals', 'jobs'] as const) if (!values[name]) flag(name, 'is required');
  if (!OBJECTIVES.includes(values.objective as Objective)) flag('objective', `must be one of ${OBJECTIVES.join(', ')}`);
  const model = values['forecast-model'] as ForecastModelName;
  if (!FORECAST_MODELS.includes(model)) flag('forecast-model', `must be one of ${FORECAST_MODELS.join(', ')}`);
  const forecastError = Number(values['forecast-error']);
  if (!/^\d+(\.\d+)?$/.test(values['forecast-error']) || forecastError > 10)
    flag(
      'forecast-error',
      'must be a number from 0 to 10 (the mean absolute percentage error at 24 h lead as a fraction; ' +
        "flat: of each series' mean)",
    );
  const forecastBias = Number(values['forecast-bias']);
  if (!/^-?\d+(\.\d+)?$/.test(values['forecast-bias']) || Math.abs(forecastBias) >= 1)
    flag(
      'forecast-bias',
      'must be a number above -1 and below 1 (a fraction: -0.05 forecasts 5% less renewable supply)',
    );
  const loadError = values['forecast-load-error'];
  if (loadError !== undefined && (!/^\d+(\.\d+)?$/.test(loadError) || Number(loadError) > 10))
    flag('forecast-load-error', 'must be a number from 0 to 10 (as --forecast-error, for the load)');
  if (model === 'flat' && (forecastBias !== 0 || loadError !== undefined))
    flag('forecast-model', 'flat takes neither --forecast-bias nor --forecast-load-error: use evolving or redrawn');
  const seed = Number(values.seed);
  if (!/^\d{1,9}$/.test(values.seed)) flag('seed', 'must be a whole number from 0 to 999999999');
  const strategies = values.strategies.split(',').map((s) => s.trim());
  const unknown = strategies.filter((s) => !(REPLAY_STRATEGIES as readonly string[]).includes(s));
  if (unknown.length > 0 || strategies.length === 0)
    flag(
      'strategies',
      `must be a comma-separated list of ${REPLAY_STRATEGIES.join(', ')} (unknown: ${unknown.join(', ')})`,
    );
  const from = values.from ? parseInstant(values.from) : undefined;
  const to = values.to ? parseInstant(values.to) : undefined;
  if (values.from && !from) flag('from', 'must be an ISO 8601 date-time with an offset');
  if (values.to && !to) flag('to', 'must be an ISO 8601 date-time with an offset');
  if (problems.length > 0) throw new ReplayInputError(problems);

  const config = readReplayConfig(values.config!);
  const signals = parseSignalsCsv(readReplayFile(values.signals!), values.signals!, config);
  const jobs = parseJobsCsv(readReplayFile(values.jobs!), values.jobs!, config);
  const issued = (values.forecasts ?? []).map((file) => readWattTimeHistorical(readReplayFile(file), file, config));
  return {
    request: {
      config,
      signals,
      jobs,
      strategies: [...new Set(strategies)] as ReplayStrategy[],
      objective: values.objective as Objective,
      forecastError,
      forecastBias,
      forecastLoadError: loadError === undefined ? undefined : Number(loadError),
      forecastModel: model,
      issuedForecasts: issued.length > 0 ? new IssuedForecasts(issued) : undefined,
      seed,
      from,
      to,
    },
    out: values.out,
  };
}

/** `--forecast-bias -0.05` as `--forecast-bias=-0.05`: parseArgs takes a value starting with a dash for an option. */
function negativeValuesJoined(args: string[]): string[] {
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i].startsWith('--forecast-') && !args[i].includes('=') && /^-\d/.test(args[i + 1] ?? ''))
      joined.push(`${args[i]}=${args[++i]}`);
    else joined.push(args[i]);
  }
  return joined;
}

/** The table printed: each strategy's figures, the perfect-forecast run's reduced to its deadline misses. */
function tableRows(report: ReplayReport): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(report.strategies).map(([name, { perfectForecasts, ...figures }]) => [
      name,
      { ...figures, ...(perfectForecasts ? { perfectMisses: perfectForecasts.deadlineMisses } : {}) },
    ]),
  );
}

async function main(): Promise<void> {
  const { request, out } = requestFromArgs(process.argv.slice(2));
  const progress = new ProgressBar(process.stderr, 'replay');
  const { report, charts } = await runReplay({ ...request, onProgress: (done, total) => progress.update(done, total) });
  progress.finish();
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'report.json'), JSON.stringify(report, null, 2) + '\n');
  writeFileSync(join(out, 'report.html'), renderReportHtml(report, charts));
  const { input } = report;
  console.log(
    `replayed ${input.jobsReplayed} jobs submitted ${input.from} – ${input.to} ` +
      `over ${input.zones.length} zones, ${input.sites.length} sites ` +
      `(objective ${input.objective}, ${forecastText(input)}, seed ${input.seed})`,
  );
  if (input.jobsExcluded.length > 0)
    console.log(
      `left out ${input.jobsExcluded.length} job(s) whose deadline is after the signals end (listed in report.json)`,
    );
  console.table(tableRows(report));
  if (report.capping) {
    const { jobsWithCurves, withCurves, withoutCurves } = report.capping;
    console.log(`westwind with the power curves of ${jobsWithCurves} job(s) (capping) and with none (pause-only):`);
    console.table({ capping: withCurves, 'pause-only': withoutCurves });
  }
  console.log(`wrote ${join(out, 'report.json')} and ${join(out, 'report.html')}`);
}

main().catch((error: unknown) => {
  if (
    error instanceof ReplayInputError ||
    error instanceof ConfigError ||
    (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
  ) {
    console.error(`westwind replay: ${(error as Error).message}`);
    process.exit(2);
  }
  console.error(error);
  process.exit(1);
});
