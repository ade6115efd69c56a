import { readFileSync } from 'node:fs';
import { parseWestwindConfig } from '../config/westwind-config.js';
import { IssuedForecasts, readWattTimeHistorical } from './issued-forecasts.js';
import { parseJobsCsv, parseSignalsCsv, ReplayInputError } from './replay-input.js';
import { runReplay } from './replay.js';
import { ReplayForecasts } from './rolling-replay.js';

// WattTime's recorded /v3/forecast/historical answer (test/fixtures/providers/watttime/PROVENANCE.md):
// one forecast issued 2022-07-15T00:00Z for CAISO_NORTH, 870 lbs/MWh for 00:00-00:15, so the hour
// 00:00 at 870 × 0.45359237 = 394.6 g/kWh.
const FILE = 'test/fixtures/providers/watttime/forecast-historical-caiso-north.json';
const RECORDED = readFileSync(FILE, 'utf8');
const MOER = 870 * 0.45359237;
const CONFIG = parseWestwindConfig(
  `
zones:
  - id: caiso-north
    timeZone: America/Los_Angeles
    providers: [{ type: watttime, region: CAISO_NORTH, username: desk, password: not-used-here }]
sites: [{ id: hub, zone: caiso-north, gpus: 100, kwPerGpu: 10, pue: 1 }]
tenants: [{ id: replay, apiKeys: ["replay-test-key-0001"] }]
`,
  'test',
);
// The replay's actual series around it: 300 g/kWh every hour, 22:00 to 04:00 UTC (no supply).
const SIGNALS = parseSignalsCsv(
  [
    'zone,start,windMw,solarMw,loadMw,carbonGPerKwh',
    ...['14T22', '14T23', '15T00', '15T01', '15T02', '15T03'].map((h) => `caiso-north,2022-07-${h}:00:00Z,0,0,100,300`),
  ].join('\n'),
  'signals.csv',
  CONFIG,
);

describe('--forecasts: a provider’s issued forecasts as the replay’s forecast input', () => {
  const set = readWattTimeHistorical(RECORDED, FILE, CONFIG);
  const issued = new IssuedForecasts([set]);

  it('reads the recorded WattTime answer for the zone pulling its region', () => {
    expect(set).toMatchObject({ provider: 'watttime', region: 'CAISO_NORTH', zone: 'caiso-north' });
    expect(set.forecasts).toEqual([
      {
        issuedAtMs: Date.parse('2022-07-15T00:00Z'),
        hours: [{ hour: Date.parse('2022-07-15T00:00Z'), carbonGPerKwh: expect.closeTo(MOER, 9) }],
      },
    ]);
    expect(issued.describe()).toEqual([
      {
        file: FILE,
        provider: 'watttime',
        region: 'CAISO_NORTH',
        zone: 'caiso-north',
        issues: 1,
        series: ['carbonGPerKwh'],
        first: '2022-07-15T00:00:00.000Z',
        last: '2022-07-15T00:00:00.000Z',
      },
    ]);
  });

  it('a forecast counts from when it was issued, for the hours it covers; elsewhere the model’s (here: actual)', () => {
    const forecasts = new ReplayForecasts({ config: CONFIG, signals: SIGNALS }, 0, 1, 168, issued);
    const carbon = (hour: number, hours: number) => forecasts.siteSignals(hour, hours).get('hub')!.carbonGPerKwh;
    // At 23:00 (hour 1) nothing was issued yet: 00:00 is forecast at its actual 300.
    expect(carbon(1, 3)).toEqual([300, 300, 300]);
    // From 00:00 (hour 2), the hour 00:00 is WattTime's; 01:00 on, which it did not forecast, stay 300.
    const seen = carbon(2, 3);
    expect(seen[0]).toBeCloseTo(MOER, 9);
    expect(seen.slice(1)).toEqual([300, 300]);
    // What happened is still metered on the actual series.
    expect(forecasts.siteSignals(2, 3, true).get('hub')!.carbonGPerKwh).toEqual([300, 300, 300]);
  });

  it('the report names the file, and every strategy is replayed again with perfect forecasts', async () => {
    const jobs = parseJobsCsv(
      'id,submitAt,gpus,runtimeHours,deadline\na,2022-07-14T22:00:00Z,100,1,2022-07-15T04:00:00Z',
      'jobs.csv',
      CONFIG,
    );
    const { report } = await runReplay({
      config: CONFIG,
      signals: SIGNALS,
      jobs,
      strategies: ['westwind'],
      objective: 'carbon',
      forecastError: 0,
      issuedForecasts: issued,
      seed: 1,
    });
    expect(report.input.issuedForecasts).toEqual(issued.describe());
    expect(report.strategies.westwind?.perfectForecasts).toBeDefined();
  });

  it('refuses a file for a region no zone pulls, and one that is not such an answer, naming the file', () => {
    const other = RECORDED.replace('"CAISO_NORTH"', '"PJM_DC"');
    expect(() => readWattTimeHistorical(other, 'pjm.json', CONFIG)).toThrow(ReplayInputError);
    expect(() => readWattTimeHistorical(other, 'pjm.json', CONFIG)).toThrow(
      'pjm.json: meta.region: region PJM_DC: no zone of the configuration pulls it',
    );
    expect(() => readWattTimeHistorical(RECORDED.slice(0, 200), 'cut.json', CONFIG)).toThrow(
      /cut\.json: not a WattTime \/v3\/forecast\/historical answer: not JSON/,
    );
  });
});
