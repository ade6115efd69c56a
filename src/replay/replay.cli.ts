/**
 * npm run replay -- --config <yaml> --signals <csv> --jobs <csv> [--objective green|carbon|cost]
 *   [--forecast-error 0.05] [--seed N] [--strategies westwind,fifo,peak-pause,lp] [--from ISO --to ISO] [--out DIR]
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
import { REPLAY_STRATEGIES, ReplayRequest, ReplayStrategy, runReplay } from './replay.js';
import { ProgressBar } from './progress-bar.js';

const OBJECTIVES: readonly Objective[] = ['green', 'carbon', 'cost'];

/** The command line as a replay request; every bad flag is a problem, none is guessed. */
function requestFromArgs(args: string[]): { request: Omit<ReplayRequest, 'onProgress'>; out: string } {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      config: { type: 'string' },
      signals: { type: 'string' },
      jobs: { type: 'string' },
      objective: { type: 'string', default: 'green' },
      'forecast-error': { type: 'string', default: '0' },
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
  const forecastError = Number(values['forecast-error']);
  if (!/^\d+(\.\d+)?$/.test(values['forecast-error']) || forecastError > 10)
    flag('forecast-error', "must be a number from 0 to 10 (a fraction of each series' mean)");
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
  return {
    request: {
      config,
      signals,
      jobs,
      strategies: [...new Set(strategies)] as ReplayStrategy[],
      objective: values.objective as Objective,
      forecastError,
      seed,
      from,
      to,
    },
    out: values.out,
  };
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
    `replayed ${input.jobsReplayed} jobs submitted ${input.from} – ${input.to} over ${input.zones.length} zones, ${input.sites.length} sites (objective ${input.objective}, forecast error ${input.forecastError}, seed ${input.seed})`,
  );
  if (input.jobsExcluded.length > 0)
    console.log(
      `left out ${input.jobsExcluded.length} job(s) whose deadline is after the signals end (listed in report.json)`,
    );
  console.table(report.strategies);
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
