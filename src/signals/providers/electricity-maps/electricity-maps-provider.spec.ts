import { DateTime } from 'luxon';
import { fixture, ProviderServer } from '../../../../test/support/provider-server.js';
import type { ProviderResult, ProviderSource } from '../forecast-provider.js';
import { ElectricityMapsProvider } from './electricity-maps-provider.js';

// The Carbon Aware SDK's test answer of /v3/carbon-intensity/forecast (see PROVENANCE.md).
const FORECAST = fixture('electricity-maps', 'forecast-nl.json');
const TOKEN = 'em-test-token-5678';
const at = (iso: string) => DateTime.fromISO(iso, { zone: 'utc' });
const window = { from: at('2099-01-01T00:00Z'), to: at('2099-01-03T00:00Z') };

describe('ElectricityMapsProvider', () => {
  let server: ProviderServer;
  let source: ProviderSource;
  const provider = new ElectricityMapsProvider();
  const failure = (result: ProviderResult) => {
    if (result.ok) throw new Error('expected a failure');
    return result.failure;
  };

  beforeAll(async () => {
    server = await ProviderServer.start();
    source = { area: 'NL', baseUrl: server.baseUrl, credentials: { token: TOKEN }, timeoutMs: 2000 };
  });
  afterAll(() => server.close());
  beforeEach(() => server.requests.splice(0));

  it('asks /v3/carbon-intensity/forecast for the zone with the auth-token header; gCO2eq/kWh per hour', async () => {
    server.route = () => ({ body: FORECAST });
    const result = await provider.fetch(source, window);
    expect(result).toEqual({
      ok: true,
      forecast: { issuedAt: '2099-01-01T00:00:00.000Z', hours: [{ hour: window.from.toMillis(), carbonGPerKwh: 999 }] },
    });
    const [request] = server.requests;
    expect(request.path).toBe('/v3/carbon-intensity/forecast');
    expect(Object.fromEntries(request.query)).toEqual({ zone: 'NL' });
    expect(request.headers['auth-token']).toBe(TOKEN);
    expect(request.headers['authorization']).toBeUndefined();
  });

  it.each([
    [401, 'unauthorized'],
    [403, 'unauthorized'],
    [429, 'rate-limited'],
    [500, 'server-error'],
    [503, 'server-error'],
  ])('%i is %s', async (status, kind) => {
    server.route = () => ({ status, body: '', headers: status === 429 ? { 'retry-after': '120' } : undefined });
    const result = failure(await provider.fetch(source, window));
    expect(result).toMatchObject({ kind, status });
    if (status === 429) expect(result.retryAfterMs).toBe(120_000);
  });

  it('a timeout is a failure of its own kind', async () => {
    server.route = () => ({ hang: true });
    expect(failure(await provider.fetch({ ...source, timeoutMs: 200 }, window)).kind).toBe('timeout');
  });

  it('a cut-off body, or XML where JSON belongs, is malformed', async () => {
    server.route = () => ({ body: FORECAST.slice(0, 60) });
    expect(failure(await provider.fetch(source, window)).kind).toBe('malformed');
    server.route = () => ({ body: fixture('entsoe', 'a65-dk2-day-ahead-load.xml'), contentType: 'text/xml' });
    expect(failure(await provider.fetch(source, window)).kind).toBe('malformed');
  });
});
