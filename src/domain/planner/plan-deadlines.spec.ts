import { DateTime } from 'luxon';
import { readItpTrace } from '../../datasets/itp-trace.js';
import { readOpsdZones } from '../../datasets/opsd.js';
import { SUITE, SUITE_FROM, suiteInstance } from '../../datasets/planning-instance.js';
import { plan } from './plan.js';

describe('planner: deadlines on the benchmark suite’s real-data weeks', () => {
  const trace = readItpTrace('data/itp-traces/cluster04.csv');
  const from = DateTime.fromISO(SUITE_FROM, { zone: 'utc' });

  // Greedy order by slack left jobs late that fifo finishes on time (a short job squeezed out of
  // crowded night hours); placing the late jobs first meets them.
  it.each(['fixed-peaks-ppa', 'reference'])('%s: westwind misses no deadline fifo meets', (name) => {
    const { input } = suiteInstance(SUITE.find((s) => s.name === name)!, readOpsdZones, from, trace);
    expect(plan({ ...input, options: { strategy: 'fifo' } }).totals.deadlineMisses).toBe(0);
    expect(plan(input).jobs.filter((j) => !j.meetsDeadline).map((j) => `${j.jobId}: ${j.reason}`)).toEqual([]);
  });
});
