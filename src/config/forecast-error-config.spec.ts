import { LEAD_BUCKET_IDS } from '../domain/signals/measured-forecast-error.js';
import { parseWestwindConfig } from './westwind-config.js';
import { problemsOf } from '../../test/support/config-problems.js';

const withForecastError = (value: string) => `
zones: [{ id: west, timeZone: Asia/Shanghai, forecastError: ${value} }, { id: east, timeZone: Asia/Shanghai }]
sites: [{ id: hub, zone: west, gpus: 8, kwPerGpu: 0.7, pue: 1.2 }]
dataRegions: [{ id: shanghai }]
tenants: [{ id: lab, apiKeys: ["lab-key-0000000000"] }]
`;

describe("a zone's forecastError in the configuration", () => {
  it('takes one figure for every lead time, or figures per lead bucket; none by default', () => {
    const one = parseWestwindConfig(withForecastError('0.12'), 't', {});
    expect(one.zones[0].forecastError).toEqual({
      '0-6h': 0.12,
      '6-24h': 0.12,
      '24-48h': 0.12,
      '48-72h': 0.12,
      '72h+': 0.12,
    });
    expect(one.zones[1].forecastError).toBeUndefined();
    const some = parseWestwindConfig(withForecastError('{ "6-24h": 0.08, "72h+": 0.3 }'), 't', {});
    expect(some.zones[0].forecastError).toEqual({ '6-24h': 0.08, '72h+': 0.3 });
  });

  it.each(['1.5', '-0.1', '{ "0-12h": 0.1 }', '{ "6-24h": "ten" }', '[0.1]'])('refuses %s naming the field', (v) => {
    expect(problemsOf(withForecastError(v))).toEqual([
      'zones[0].forecastError: must be a relative error in [0, 1], or a map from lead bucket ' +
        '(0-6h, 6-24h, 24-48h, 48-72h, 72h+) to one',
    ]);
  });
});

describe("a zone's loadForecastError: the same syntax and checks", () => {
  const withLoadError = (value: string) =>
    withForecastError('0.1').replace('forecastError: 0.1', `loadForecastError: ${value}`);

  it('takes one figure or figures per lead bucket, apart from forecastError; none by default', () => {
    const one = parseWestwindConfig(withLoadError('0.05'), 't', {});
    expect(one.zones[0].loadForecastError).toEqual(Object.fromEntries(LEAD_BUCKET_IDS.map((id) => [id, 0.05])));
    expect(one.zones[0].forecastError).toBeUndefined();
    expect(one.zones[1].loadForecastError).toBeUndefined();
    const zero = parseWestwindConfig(withLoadError('{ "0-6h": 0 }'), 't', {});
    expect(zero.zones[0].loadForecastError).toEqual({ '0-6h': 0 });
  });

  it.each(['2', '{ "day-ahead": 0.03 }'])('refuses %s naming the field', (v) => {
    expect(problemsOf(withLoadError(v))).toEqual([
      'zones[0].loadForecastError: must be a relative error in [0, 1], or a map from lead bucket ' +
        '(0-6h, 6-24h, 24-48h, 48-72h, 72h+) to one',
    ]);
  });
});
