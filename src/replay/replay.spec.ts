import { parseWestwindConfig } from '../config/westwind-config.js';
import { parseJobsCsv, parseSignalsCsv } from './replay-input.js';
import { runReplay, ReplayRequest, ReplayStrategy } from './replay.js';
import { ReplayForecasts } from './rolling-replay.js';

/**
 * Hand-computable replays. One zone in UTC, peak 00:00–02:00; one site of 100 GPUs at 10 kW and
 * PUE 1, so a 100-GPU job draws exactly 1 MW; the site's green supply is 0.001 × wind, capped at
 * 1 MW: wind 1000 MW in hours 4, 5, 8 and 9 (1 MW green), none otherwise. Grid carbon 500 g/kWh,
 * price 40 per MWh, every hour.
 */
const CONFIG_YAML = `
zones: [{ id: west, timeZone: UTC, peak: { windows: [{ from: "00:00", to: "02:00" }] } }]
sites: [{ id: hub, zone: west, gpus: 100, kwPerGpu: 10, pue: 1, supply: { renewableShare: 0.001, surplusShare: 0 } }]
tenants: [{ id: replay, apiKeys: ["replay-test-key-0001"] }]
`;
const CONFIG = parseWestwindConfig(CONFIG_YAML, 'test');
const WINDY = new Set([4, 5, 8, 9]);
const SIGNALS = [
  'zone,start,windMw,solarMw,loadMw,carbonGPerKwh,pricePerMwh',
  ...Array.from(
    { length: 24 },
    (_, h) => `west,2026-03-02T${String(h).padStart(2, '0')}:00:00Z,${WINDY.has(h) ? 1000 : 0},0,100,500,40`,
  ),
].join('\n');

async function replay(
  jobsCsv: string,
  strategies: ReplayStrategy[],
  forecastError = 0,
  forecast: Partial<ReplayRequest> = {},
) {
  const signals = parseSignalsCsv(SIGNALS, 'signals.csv', CONFIG);
  const jobs = parseJobsCsv(
    `id,submitAt,gpus,runtimeHours,deadline,deferrable,interruptible,checkpointMinutes\n${jobsCsv}`,
    'jobs.csv',
    CONFIG,
  );
  return (
    await runReplay({
      config: CONFIG,
      signals,
      jobs,
      strategies,
      objective: 'green',
      forecastError,
      seed: 3,
      ...forecast,
    })
  ).report;
}

describe('replay, by hand', () => {
  const twoHours = 'a,2026-03-02T00:00:00Z,100,2,2026-03-02T12:00:00Z,true,true,0';

  it('fifo runs a job at once: 2 MWh from the grid, both hours in the peak', async () => {
    const { strategies, jobs } = await replay(twoHours, ['fifo']);
    expect(strategies.fifo).toMatchObject({
      totalMwh: 2,
      greenMwh: 0,
      gridMwh: 2,
      peakGridMwh: 2,
      carbonKg: 1000,
      cost: 80,
      deadlineMisses: 0,
      pauses: 0,
      meanDelayHours: 0,
      completed: 1,
    });
    expect(jobs[0].strategies.fifo).toMatchObject({
      start: '2026-03-02T00:00:00.000Z',
      finish: '2026-03-02T02:00:00.000Z',
      deadlineMet: true,
      site: 'hub',
    });
  });

  it('peak-pause waits out the peak: same grid energy, none of it in the peak', async () => {
    const { strategies, jobs } = await replay(twoHours, ['peak-pause']);
    expect(strategies['peak-pause']).toMatchObject({
      totalMwh: 2,
      gridMwh: 2,
      peakGridMwh: 0,
      carbonKg: 1000,
      meanDelayHours: 2,
    });
    expect(jobs[0].strategies['peak-pause']!.finish).toBe('2026-03-02T04:00:00.000Z');
  });

  it('westwind waits for the wind: 2 MWh, all green, no carbon, no cost', async () => {
    const { strategies, jobs } = await replay(twoHours, ['westwind']);
    expect(strategies.westwind).toMatchObject({
      totalMwh: 2,
      greenMwh: 2,
      gridMwh: 0,
      peakGridMwh: 0,
      carbonKg: 0,
      cost: 0,
      greenShare: 1,
      deadlineMisses: 0,
      meanDelayHours: 4,
    });
    expect(jobs[0].strategies.westwind).toMatchObject({
      start: '2026-03-02T04:00:00.000Z',
      finish: '2026-03-02T06:00:00.000Z',
      pauses: 0,
    });
  });

  it('westwind pauses across the calm and pays the 30-minute restore in green hours', async () => {
    // Runs 04–06, pauses, resumes at 08:00 restoring until 08:30, works 08:30–09:30:
    // energy 2 + 1 + 0.5 = 3.5 MWh, all of it within the 1 MW of green in hours 4, 5, 8 and 9.
    const { strategies, jobs } = await replay('c,2026-03-02T00:00:00Z,100,3,2026-03-02T12:00:00Z,true,true,30', [
      'westwind',
    ]);
    expect(strategies.westwind).toMatchObject({
      totalMwh: 3.5,
      greenMwh: 3.5,
      gridMwh: 0,
      pauses: 1,
      meanDelayHours: 6.5,
    });
    expect(jobs[0].strategies.westwind).toMatchObject({
      start: '2026-03-02T04:00:00.000Z',
      finish: '2026-03-02T09:30:00.000Z',
      pauses: 1,
      deadlineMet: true,
    });
  });

  it('a job submitted mid-hour becomes known at the next hour', async () => {
    const { jobs } = await replay('late,2026-03-02T02:20:00Z,100,1,2026-03-02T06:00:00Z,false,false,0', ['fifo']);
    expect(jobs[0].strategies.fifo).toMatchObject({
      start: '2026-03-02T03:00:00.000Z',
      finish: '2026-03-02T04:00:00.000Z',
    });
  });

  it('a job whose dataset must travel starts once it has arrived: the wait runs from its submission', async () => {
    // 45 GB over 100 Gbit/s: 3.6 s. Counted afresh from each hourly re-plan and rounded up to the
    // hour, the wait never ended and the job never started.
    const config = parseWestwindConfig(
      `${CONFIG_YAML}\ndataRegions: [{ id: east, linksGbps: { hub: 100 } }]\n`,
      'test',
    );
    const signals = parseSignalsCsv(SIGNALS, 'signals.csv', config);
    const jobs = parseJobsCsv(
      'id,submitAt,gpus,runtimeHours,deadline,deferrable,interruptible,checkpointMinutes,dataRegion,datasetGb\n' +
        'd,2026-03-02T00:30:00Z,100,2,2026-03-02T12:00:00Z,true,true,0,east,45',
      'jobs.csv',
      config,
    );
    const { report } = await runReplay({
      config,
      signals,
      jobs,
      strategies: ['westwind'],
      objective: 'green',
      forecastError: 0,
      seed: 3,
    });
    expect(report.jobs[0].strategies.westwind).toMatchObject({
      start: '2026-03-02T04:00:00.000Z',
      finish: '2026-03-02T06:00:00.000Z',
      deadlineMet: true,
    });
  });

  it('a job that cannot finish before the data ends is a miss, and its energy so far still counts', async () => {
    // Both need the whole site: b holds it 00–20, so d starts at 20:00 and has run 4 of its 5 hours when the data ends.
    const { strategies, jobs } = await replay(
      [
        'b,2026-03-02T00:00:00Z,100,20,2026-03-03T00:00:00Z,false,false,0',
        'd,2026-03-02T00:00:00Z,100,5,2026-03-03T00:00:00Z,false,false,0',
      ].join('\n'),
      ['fifo'],
    );
    expect(strategies.fifo).toMatchObject({ totalMwh: 24, deadlineMisses: 1, completed: 1 });
    expect(jobs.find((j) => j.id === 'd')!.strategies.fifo).toMatchObject({
      start: '2026-03-02T20:00:00.000Z',
      deadlineMet: false,
    });
  });

  it(
    'accounts with the actual series: ' +
      'forecast noise does not change what fifo (which ignores forecasts) is charged',
    async () => {
      const exact = await replay(twoHours, ['fifo'], 0);
      const noisy = await replay(twoHours, ['fifo'], 1);
      const { perfectForecasts, ...figures } = noisy.strategies.fifo!;
      expect({ ...figures, wallMs: 0 }).toEqual({ ...exact.strategies.fifo, wallMs: 0 });
      expect(perfectForecasts).toEqual({ objective: 20, deadlineMisses: 0, saving: 0 });
    },
  );

  it('reports each strategy’s objective and saving against fifo: all of it kept with perfect forecasts', async () => {
    // fifo: 2 MWh of grid, both in the peak: 2 × 10 = 20; westwind: none; peak-pause: 2 MWh outside the peak.
    const { strategies } = await replay(twoHours, ['westwind', 'fifo', 'peak-pause']);
    expect(strategies.fifo).toMatchObject({ objective: 20, saving: 0, savingLost: null, retainedShare: null });
    expect(strategies.westwind).toMatchObject({ objective: 0, saving: 20, savingLost: 0, retainedShare: 1 });
    expect(strategies['peak-pause']).toMatchObject({ objective: 2, saving: 18, savingLost: 0, retainedShare: 1 });
    expect(strategies.westwind!.perfectForecasts).toBeUndefined();
  });

  // fifo is replayed as the baseline even when not asked for.
  it('with forecast errors, sets the saving beside the perfect-forecast replay’s', async () => {
    const { strategies } = await replay(twoHours, ['westwind'], 2, { forecastBias: -0.5 });
    expect(strategies.fifo).toBeUndefined();
    const westwind = strategies.westwind!;
    expect(westwind.perfectForecasts).toEqual({ objective: 0, deadlineMisses: 0, saving: 20 });
    expect(westwind.saving).toBeCloseTo(20 - westwind.objective, 6);
    expect(westwind.savingLost).toBeCloseTo(20 - westwind.saving, 6);
    expect(westwind.retainedShare).toBeCloseTo(westwind.saving / 20, 4);
    expect(westwind.deadlineMisses).toBe(0);
  });

  it('refuses a bias or load error with the flat model', async () => {
    await expect(replay(twoHours, ['fifo'], 0.1, { forecastModel: 'flat', forecastBias: 0.1 })).rejects.toThrow(
      /flat takes neither a bias nor a load error/,
    );
  });

  it('the same seed gives the same report; jobs with deadlines after the data are left out and listed', async () => {
    const csv = [
      twoHours,
      'c,2026-03-02T00:00:00Z,100,3,2026-03-02T12:00:00Z,true,true,30',
      'far,2026-03-02T01:00:00Z,1,1,2026-03-05T00:00:00Z,true,true,0',
    ].join('\n');
    const first = await replay(csv, ['westwind'], 0.3);
    const second = await replay(csv, ['westwind'], 0.3);
    expect(second.jobs).toEqual(first.jobs);
    expect(first.input.jobsReplayed).toBe(2);
    expect(first.input.jobsExcluded).toEqual([{ id: 'far', reason: expect.stringContaining('after the signals end') }]);
  });
});

describe('report charts', () => {
  it('hold a finite value for every hour of a long replay', async () => {
    const rows = ['zone,start,windMw,solarMw,loadMw'];
    const start = Date.parse('2026-01-01T00:00:00Z');
    for (let h = 0; h < 400; h++)
      rows.push(`west,${new Date(start + h * 3_600_000).toISOString()},${h % 24 < 6 ? 1000 : 0},0,100`);
    const signals = parseSignalsCsv(rows.join('\n'), 'signals.csv', CONFIG);
    const jobs = parseJobsCsv(
      'id,submitAt,gpus,runtimeHours,deadline\nj,2026-01-13T00:00:00Z,10,30,2026-01-16T00:00:00Z',
      'jobs.csv',
      CONFIG,
    );
    const { charts } = await runReplay({
      config: CONFIG,
      signals,
      jobs,
      strategies: ['fifo'],
      objective: 'green',
      forecastError: 0,
      seed: 1,
    });
    const ai = charts.zones[0].aiMw.fifo!;
    expect(ai).toHaveLength(400);
    expect(ai.every(Number.isFinite)).toBe(true);
    expect(ai[300]).toBeCloseTo(0.1, 6); // 10 GPUs × 10 kW, running hours 288–317
  });
});

describe('forecast noise', () => {
  it(
    'has standard deviation error × the series mean, ' + 'the same for every strategy, and none in the actual series',
    () => {
      const rows = ['zone,start,windMw,solarMw,loadMw'];
      const start = Date.parse('2026-01-01T00:00:00Z');
      for (let h = 0; h < 2000; h++)
        rows.push(`west,${new Date(start + h * 3_600_000).toISOString()},${h % 2 ? 1500 : 500},0,100`);
      const signals = parseSignalsCsv(rows.join('\n'), 'signals.csv', CONFIG);
      const forecasts = new ReplayForecasts({ config: CONFIG, signals }, 0.1, 9);
      const seen = forecasts.siteSignals(0, 2000).get('hub')!.greenMw;
      const actual = forecasts.siteSignals(0, 2000, true).get('hub')!.greenMw;
      // Green = 0.001 × wind (below the 1 MW cap only for wind < 1000, so look at the 500 MW hours):
      // σ = 0.1 × 1000 MW × 0.001.
      const errors = Array.from({ length: 1000 }, (_, k) => seen[2 * k] - actual[2 * k]);
      const mean = errors.reduce((a, b) => a + b, 0) / errors.length;
      const sd = Math.sqrt(errors.reduce((a, b) => a + (b - mean) ** 2, 0) / errors.length);
      expect(actual[0]).toBeCloseTo(0.5, 9);
      expect(sd).toBeGreaterThan(0.09);
      expect(sd).toBeLessThan(0.11);
      expect(Math.abs(mean)).toBeLessThan(0.01);
      expect(
        Array.from(new ReplayForecasts({ config: CONFIG, signals }, 0.1, 9).siteSignals(0, 2000).get('hub')!.greenMw),
      ).toEqual(Array.from(seen));
      expect(
        Array.from(new ReplayForecasts({ config: CONFIG, signals }, 0.1, 10).siteSignals(0, 2000).get('hub')!.greenMw),
      ).not.toEqual(Array.from(seen));
    },
  );
});
