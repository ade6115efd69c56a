import { parseWestwindConfig } from '../config/westwind-config.js';
import { parseJobsCsv, parseSignalsCsv } from './replay-input.js';
import { renderReportHtml } from './replay-html.js';
import { runReplay } from './replay.js';

/**
 * One site of 100 GPUs at 10 kW and PUE 1 (a 100-GPU job draws 1 MW) that may import at most 0.2 MW
 * from the grid. Its green supply (0.001 × wind) is 1 MW in hours 0–1 and 21–23 and 0.5 MW between:
 * there a job at full power would import 0.5 MW, capped to 70% it imports 0.2 MW — the cap's limit.
 */
const CONFIG = parseWestwindConfig(
  `
zones: [{ id: west, timeZone: UTC }]
sites:
  - { id: hub, zone: west, gpus: 100, kwPerGpu: 10, pue: 1, importCapMw: 0.2,
      supply: { renewableShare: 0.001, surplusShare: 0 } }
tenants: [{ id: replay, apiKeys: ["replay-test-key-0001"] }]
`,
  'test',
);
const windMw = (h: number) => (h < 2 || h >= 21 ? 1000 : 500);
const SIGNALS = [
  'zone,start,windMw,solarMw,loadMw',
  ...Array.from({ length: 24 }, (_, h) => `west,2026-03-02T${String(h).padStart(2, '0')}:00:00Z,${windMw(h)},0,100`),
].join('\n');
const HEADER = 'id,submitAt,gpus,runtimeHours,deadline,deferrable,interruptible,checkpointMinutes,power';
// 3 h of work, a 30-minute restore; at 70% of its power it does 90% of its work rate.
const JOB = 'job,2026-03-02T00:00:00Z,100,3,2026-03-02T23:00:00Z,true,true,30';

async function replay(power: string) {
  const jobs = parseJobsCsv(`${HEADER}\n${JOB},${power}`, 'jobs.csv', CONFIG);
  const signals = parseSignalsCsv(SIGNALS, 'signals.csv', CONFIG);
  return runReplay({
    config: CONFIG,
    signals,
    jobs,
    strategies: ['westwind'],
    objective: 'green',
    forecastError: 0,
    seed: 1,
  });
}

describe('replay with power curves (#20)', () => {
  it('runs a job capped through the import cap and meters its capped hours at the capped power', async () => {
    const { report, charts } = await replay('1:1;0.7:0.9');
    // Full power in hours 0–1 (2 h of work); from 02:00 capped to 70%: the last hour of work takes 1/0.9 h.
    expect(report.jobs[0].strategies.westwind).toMatchObject({
      start: '2026-03-02T00:00:00.000Z',
      finish: '2026-03-02T03:06:40.000Z',
      pauses: 0,
      deadlineMet: true,
    });
    const ai = charts.zones[0].aiMw.westwind!;
    expect(ai[0]).toBeCloseTo(1, 6);
    expect(ai[1]).toBeCloseTo(1, 6);
    expect(ai[2]).toBeCloseTo(0.7, 6); // fraction × power × 1 h
    expect(ai[3]).toBeCloseTo(0.7 * (1 / 0.9 - 1), 3); // fraction × power × the 6 min 40 s left
    expect(ai.slice(4).every((mw) => mw === 0)).toBe(true);
    // 2 + 0.7 × 10/9 MWh; the grid gives 0.2 MWh in hour 2 (the green 0.5 covers the rest).
    expect(report.strategies.westwind!.totalMwh).toBeCloseTo(2 + (0.7 * 10) / 9, 3);
    expect(report.strategies.westwind!.gridMwh).toBeCloseTo(0.2, 3);
  });

  it('compares westwind with the curves and with none: pauses, checkpoint energy, grid and misses', async () => {
    const { report } = await replay('1:1;0.7:0.9');
    expect(report.capping).toEqual({
      jobsWithCurves: 1,
      withCurves: {
        totalMwh: 2.778,
        gridMwh: 0.2,
        peakGridMwh: 0,
        objective: 0.2,
        pauses: 0,
        checkpointMwh: 0,
        deadlineMisses: 0,
        cappedJobHours: 1.111,
      },
      // Without a curve the job cannot run under the cap: it pauses at 02:00 and resumes in the green at 21:00,
      // restoring for 30 minutes at 1 MW (0.5 MWh) before its last hour of work.
      withoutCurves: {
        totalMwh: 3.5,
        gridMwh: 0,
        peakGridMwh: 0,
        objective: 0,
        pauses: 1,
        checkpointMwh: 0.5,
        deadlineMisses: 0,
        cappedJobHours: 0,
      },
    });
    // The strategies' figures are the run with the curves.
    expect(report.strategies.westwind).toMatchObject({ totalMwh: 2.778, gridMwh: 0.2, pauses: 0 });
  });

  it('report.html sets the two runs side by side', async () => {
    const { report, charts } = await replay('1:1;0.7:0.9');
    const html = renderReportHtml(report, charts);
    expect(html).toContain('<h2>Power capping</h2>');
    expect(html).toContain('<tr><td>AI energy, MWh</td><td>2.78</td><td>3.50</td></tr>');
    expect(html).toContain('<tr><td>pauses</td><td>0</td><td>1</td></tr>');
    expect(html).toContain('<tr><td>checkpoint restores, MWh</td><td>0.000</td><td>0.500</td></tr>');
    const without = await replay('');
    expect(renderReportHtml(without.report, without.charts)).not.toContain('Power capping');
  });

  it('has no comparison when no job declares a curve', async () => {
    const { report } = await replay('');
    expect(report.capping).toBeUndefined();
    expect(report.strategies.westwind).toMatchObject({ pauses: 1, totalMwh: 3.5 });
  });
});
