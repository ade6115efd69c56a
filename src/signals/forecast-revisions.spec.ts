import type { ForecastPoint } from '../domain/signals/forecast.js';
import { type ForecastAuditEntry, parseAuditEntry, seriesRevisions } from './forecast-revisions.js';

// Audit entries as SignalsService writes them (webhook, a forecast from inside the service, CSV).
const points: ForecastPoint[] = [
  { start: '2024-02-10T00:00:00Z', windMw: 100, solarMw: 0, loadMw: 900, hydroMw: 20 },
  { start: '2024-02-10T01:00:00Z', windMw: 110, solarMw: 5, loadMw: 950 },
];
const forecast = { zone: 'fi', issuedAt: '2024-02-09T18:00:00Z', resolution: 'PT1H' as const, points };
const h0 = Date.parse('2024-02-10T00:00:00Z');
/** The entry as it went through the audit stream: stored as JSON text, read back. */
const stored = (entry: object) => parseAuditEntry(JSON.stringify(entry))!;

describe('seriesRevisions: revisions of green supply and of load from the audit entries', () => {
  it('reads a webhook and a CSV upload: wind + solar + hydro, and load, per hour, at their issuedAt', () => {
    const webhook = seriesRevisions([stored({ sender: 'desk', webhookId: 'w1', forecast })]);
    const issuedAt = Date.parse('2024-02-09T18:00:00Z');
    expect(webhook.supply).toEqual([
      {
        issuedAt,
        hours: new Map([
          [h0, 120],
          [h0 + 3_600_000, 115],
        ]),
      },
    ]);
    expect(webhook.load).toEqual([
      {
        issuedAt,
        hours: new Map([
          [h0, 900],
          [h0 + 3_600_000, 950],
        ]),
      },
    ]);
    expect(seriesRevisions([stored({ operator: 'ops', csv: forecast })])).toEqual(webhook);
  });

  it("averages finer resolutions, and dates a pull's revision by the provider's own issuedAt", () => {
    const quarter = ['00', '15', '30', '45'].map((m, i) => ({
      start: `2024-02-10T00:${m}:00Z`,
      windMw: 100 + 10 * i,
      solarMw: 0,
      loadMw: 900 + 20 * i,
    }));
    const source = JSON.stringify({ provider: 'entsoe', area: '10YFI-1--------U', issuedAt: '2024-02-09T18:33:40Z' });
    const pulled = { ...forecast, issuedAt: '2024-02-09T19:00:00.001Z', resolution: 'PT15M', points: quarter };
    const { supply, load } = seriesRevisions([stored({ source, forecast: pulled })]);
    const issuedAt = Date.parse('2024-02-09T18:33:40Z');
    expect(supply).toEqual([{ issuedAt, hours: new Map([[h0, 115]]) }]);
    expect(load).toEqual([{ issuedAt, hours: new Map([[h0, 930]]) }]);
  });

  it("leaves out a carbon provider's pull (what it carries is a copy of what was stored)", () => {
    for (const provider of ['electricity-maps', 'watttime']) {
      const source = JSON.stringify({ provider, area: 'NL', issuedAt: '2024-02-09T18:00:00Z' });
      expect(seriesRevisions([stored({ source, forecast })])).toEqual({ supply: [], load: [] });
    }
    const demo: ForecastAuditEntry = { source: 'demo replay of 50hertz 2019', forecast };
    expect(seriesRevisions([demo]).load).toHaveLength(1);
  });

  it('reads back only what is an audit entry', () => {
    expect(parseAuditEntry('not json')).toBeUndefined();
    expect(parseAuditEntry('null')).toBeUndefined();
    expect(parseAuditEntry(JSON.stringify({ sender: 'desk' }))).toBeUndefined();
    expect(parseAuditEntry(JSON.stringify({ operator: 'ops', csv: { points: 'none' } }))).toBeUndefined();
    expect(parseAuditEntry(JSON.stringify({ sender: 'desk', webhookId: 'w1', forecast }))).toEqual({
      sender: 'desk',
      webhookId: 'w1',
      forecast,
    });
    // An entry whose issuedAt cannot be read gives no revision.
    expect(
      seriesRevisions([stored({ sender: 'desk', webhookId: 'w2', forecast: { ...forecast, issuedAt: 'soon' } })]),
    ).toEqual({ supply: [], load: [] });
  });
});
