/**
 * Converts the bundled real data into the replay's CSV formats (docs/replay.md):
 * - signals.csv: OPSD 2019's four German control areas as zones `50hertz`, `amprion`, `tennet`,
 *   `transnetbw` — hourly actual load, wind (onshore + offshore) and solar, MW; plus a carbon
 *   intensity PROXY, not a measurement: 700 g/kWh × the share of load not met by wind and solar
 *   (OPSD has no emissions or zonal prices, so the file has no price column);
 * - jobs.csv: `--jobs` jobs resampled (seeded) from Microsoft's ITP trace cluster04 (runs under
 *   48 h), their GPUs and runtimes as traced, submissions spread over all but the last 4 days;
 *   deadline = submission + max(2 × runtime, runtime + 12 h) (so every deadline lies inside the
 *   data); every 10th job not deferrable, every 5th of the rest not interruptible; 10-minute
 *   checkpoints.
 *
 *   node --import tsx scripts/replay-example-data.ts [--from 2019-03-01T00:00:00Z] [--days 30] [--jobs 5000]
 *     [--seed 7] [--out out/replay-example]
 */
import { DateTime } from 'luxon';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readItpTrace } from '../src/datasets/itp-trace.js';
import { readOpsdZones } from '../src/datasets/opsd.js';
import { scaledTrace } from '../src/datasets/planning-instance.js';
import { formatInstant } from '../src/domain/time/instant.js';

const { values } = parseArgs({
  options: {
    from: { type: 'string', default: '2019-03-01T00:00:00Z' },
    days: { type: 'string', default: '30' },
    jobs: { type: 'string', default: '5000' },
    seed: { type: 'string', default: '7' },
    out: { type: 'string', default: 'out/replay-example' },
  },
});
const from = DateTime.fromISO(values.from, { zone: 'utc' });
const days = Number(values.days);
const LONGEST_RUN_HOURS = 48;
const FOSSIL_G_PER_KWH = 700;

const zones = readOpsdZones(from, days * 24);
const signals = ['zone,start,windMw,solarMw,loadMw,carbonGPerKwh'];
for (const zone of zones) {
  for (let h = 0; h < days * 24; h++) {
    const residualShare = Math.max(0, zone.loadMw[h] - zone.windMw[h] - zone.solarMw[h]) / zone.loadMw[h];
    signals.push(
      [
        zone.zone,
        formatInstant(from.plus({ hours: h })),
        zone.windMw[h],
        zone.solarMw[h],
        zone.loadMw[h],
        Math.round(FOSSIL_G_PER_KWH * residualShare),
      ].join(','),
    );
  }
}

// Deadlines reach at most 2 × 48 h past submission: submissions end 4 days before the data does.
const trace = readItpTrace('data/itp-traces/cluster04.csv').filter(
  (t) => t.durationSeconds > 0 && t.durationSeconds < LONGEST_RUN_HOURS * 3600,
);
const sampled = scaledTrace(trace, Number(values.jobs), (days - 4) * 86_400, Number(values.seed));
const jobs = ['id,submitAt,gpus,runtimeHours,deadline,deferrable,interruptible,checkpointMinutes'];
sampled.forEach((t, k) => {
  const submitAt = from.plus({ seconds: t.submitSeconds });
  const runtimeHours = Number((Math.max(1, Math.round(t.durationSeconds / 60)) / 60).toFixed(4));
  // Rounded up to the minute: never earlier than the rule says.
  const deadline = submitAt
    .plus({ hours: Math.max(2 * runtimeHours, runtimeHours + 12), minutes: 1 })
    .startOf('minute');
  const deferrable = k % 10 !== 0;
  const interruptible = !deferrable || k % 5 !== 0;
  jobs.push(
    [
      `itp-${t.id}`,
      formatInstant(submitAt),
      t.gpus,
      runtimeHours,
      formatInstant(deadline),
      deferrable,
      interruptible,
      10,
    ].join(','),
  );
});

mkdirSync(values.out, { recursive: true });
writeFileSync(join(values.out, 'signals.csv'), signals.join('\n') + '\n');
writeFileSync(join(values.out, 'jobs.csv'), jobs.join('\n') + '\n');
console.log(
  `wrote ${join(values.out, 'signals.csv')} (${zones.length} zones × ${days * 24} h) ` +
    `and ${join(values.out, 'jobs.csv')} (${sampled.length} jobs)`,
);
