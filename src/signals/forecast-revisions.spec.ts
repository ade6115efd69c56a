import { supplyRevisionOf } from './forecast-revisions.js';

// Audit entries as SignalsService writes them (webhook, a forecast from inside the service, CSV).
const points = [
  { start: '2024-02-10T00:00:00Z', windMw: 100, solarMw: 0, loadMw: 900, hydroMw: 20 },
  { start: '2024-02-10T01:00:00Z', windMw: 110, solarMw: 5, loadMw: 900 },
];
const forecast = { zone: 'fi', issuedAt: '2024-02-09T18:00:00Z', resolution: 'PT1H', points };
const h0 = Date.parse('2024-02-10T00:00:00Z');

describe('supplyRevisionOf: a revision of green supply from an audit entry', () => {
  it('reads a webhook and a CSV upload: wind + solar + hydro per hour, at their issuedAt', () => {
    const webhook = supplyRevisionOf(JSON.stringify({ sender: 'desk', webhookId: 'w1', forecast }));
    expect(webhook).toEqual({
      issuedAt: Date.parse('2024-02-09T18:00:00Z'),
      hours: new Map([
        [h0, 120],
        [h0 + 3_600_000, 115],
      ]),
    });
    expect(supplyRevisionOf(JSON.stringify({ operator: 'ops', csv: forecast }))).toEqual(webhook);
  });

  it("averages finer resolutions, and dates a pull's revision by the provider's own issuedAt", () => {
    const quarter = ['00', '15', '30', '45'].map((m, i) => ({
      start: `2024-02-10T00:${m}:00Z`,
      windMw: 100 + 10 * i,
      solarMw: 0,
      loadMw: 900,
    }));
    const source = JSON.stringify({ provider: 'entsoe', area: '10YFI-1--------U', issuedAt: '2024-02-09T18:33:40Z' });
    const pulled = { ...forecast, issuedAt: '2024-02-09T19:00:00.001Z', resolution: 'PT15M', points: quarter };
    expect(supplyRevisionOf(JSON.stringify({ source, forecast: pulled }))).toEqual({
      issuedAt: Date.parse('2024-02-09T18:33:40Z'),
      hours: new Map([[h0, 115]]),
    });
  });

  it("leaves out a carbon provider's pull (its supply is a copy of what was stored) and what cannot be read", () => {
    for (const provider of ['electricity-maps', 'watttime']) {
      const source = JSON.stringify({ provider, area: 'NL', issuedAt: '2024-02-09T18:00:00Z' });
      expect(supplyRevisionOf(JSON.stringify({ source, forecast }))).toBeUndefined();
    }
    expect(supplyRevisionOf(JSON.stringify({ source: 'demo replay of 50hertz 2019', forecast }))).toBeDefined();
    expect(supplyRevisionOf('not json')).toBeUndefined();
    expect(supplyRevisionOf(JSON.stringify({ sender: 'desk' }))).toBeUndefined();
  });
});
