/**
 * npm run bench:replay — the replay example at its full size: 30 days of March 2019, the four German
 * control areas as zones, 5,000 ITP trace jobs (scripts/replay-example-data.ts), every strategy, with
 * perfect forecasts and with 5% forecast error. Target: the westwind replay in ≤ 60 s on 2 cores.
 * BENCH_LP=1 adds the LP bound (minutes). Writes bench/results/replay.json. Wall times are this
 * machine's (2 cores, noisy); the energy figures are exact and repeatable.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { DateTime } from 'luxon';
import { parseJobsCsv, parseSignalsCsv, readReplayConfig, readReplayFile } from '../src/replay/replay-input.js';
import { runReplay, ReplayStrategy } from '../src/replay/replay.js';

const DIR = 'out/replay-example';

async function main(): Promise<void> {
  execFileSync('node', ['--import', 'tsx', 'scripts/replay-example-data.ts', '--out', DIR], { stdio: 'inherit' });
  const config = readReplayConfig('config/replay-example.yaml');
  const signals = parseSignalsCsv(readReplayFile(`${DIR}/signals.csv`), 'signals.csv', config);
  const jobs = parseJobsCsv(readReplayFile(`${DIR}/jobs.csv`), 'jobs.csv', config);
  const strategies: ReplayStrategy[] = [
    'westwind',
    'fifo',
    'peak-pause',
    ...(process.env.BENCH_LP === '1' ? (['lp'] as const) : []),
  ];
  const runs: Record<string, unknown> = {};
  for (const forecastError of [0, 0.05]) {
    const { report } = await runReplay({
      config,
      signals,
      jobs,
      strategies: forecastError === 0 ? strategies : strategies.filter((s) => s !== 'lp'),
      objective: 'green',
      forecastError,
      seed: 1,
    });
    console.log(`forecast error ${forecastError}:`);
    console.table(report.strategies);
    runs[`forecastError=${forecastError}`] = report.strategies;
  }
  const westwindMs = (runs['forecastError=0.05'] as Record<string, { wallMs: number }>).westwind.wallMs;
  const result = {
    measuredAt: DateTime.utc().toISO(),
    instance: {
      config: 'config/replay-example.yaml',
      from: signals.start.toISO(),
      hours: signals.hours,
      zones: config.zones.length,
      sites: config.sites.length,
      jobs: jobs.length,
    },
    runs,
    target: { westwindWallMs: '<= 60000', measured: westwindMs, met: westwindMs <= 60_000 },
  };
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/replay.json', JSON.stringify(result, null, 2) + '\n');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
