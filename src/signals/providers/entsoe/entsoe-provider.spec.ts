import { DateTime } from 'luxon';
import { fixture, ProviderServer, type Reply } from '../../../../test/support/provider-server.js';
import type { ProviderResult, ProviderSource } from '../forecast-provider.js';
import { EntsoeProvider } from './entsoe-provider.js';
import { RequestBudget } from './request-budget.js';

// Recorded answers of the platform (see test/fixtures/providers/entsoe/PROVENANCE.md): Finland's
// day-ahead wind and solar (A69, PT15M) and DK2's day-ahead load (A65, PT60M).
const A69 = fixture('entsoe', 'a69-fi-day-ahead-wind-solar.xml');
const A65 = fixture('entsoe', 'a65-dk2-day-ahead-load.xml');
const TOKEN = 'entsoe-test-token-1234';
const at = (iso: string) => DateTime.fromISO(iso, { zone: 'utc' });
const window = { from: at('2023-12-27T23:00Z'), to: at('2024-02-10T23:00Z') };

describe('EntsoeProvider', () => {
  let server: ProviderServer;
  let source: ProviderSource;
  const provider = new EntsoeProvider();
  const serve = (byDocument: Record<string, Reply>) => {
    server.route = (request) => byDocument[request.query.get('documentType') ?? ''] ?? { status: 400, body: '' };
  };
  const ok = (result: ProviderResult) => {
    if (!result.ok) throw new Error(`expected a forecast, got ${JSON.stringify(result.failure)}`);
    return result.forecast;
  };
  const failure = (result: ProviderResult) => {
    if (result.ok) throw new Error('expected a failure');
    return result.failure;
  };

  beforeAll(async () => {
    server = await ProviderServer.start();
    source = { area: '10YFI-1--------U', baseUrl: server.baseUrl, credentials: { token: TOKEN }, timeoutMs: 2000 };
  });
  afterAll(() => server.close());
  beforeEach(() => server.requests.splice(0));

  it('asks for A69 and A65 of the area with the security token and UTC yyyyMMddHHmm periods', async () => {
    serve({ A69: { body: A69, contentType: 'text/xml' }, A65: { body: A65, contentType: 'text/xml' } });
    ok(await provider.fetch(source, window));
    const [generation, load] = server.requests;
    expect(generation.path).toBe('/api');
    expect(Object.fromEntries(generation.query)).toEqual({
      securityToken: TOKEN,
      documentType: 'A69',
      processType: 'A01',
      in_Domain: '10YFI-1--------U',
      periodStart: '202312272300',
      periodEnd: '202402102300',
    });
    expect(Object.fromEntries(load.query)).toEqual({
      securityToken: TOKEN,
      documentType: 'A65',
      processType: 'A01',
      outBiddingZone_Domain: '10YFI-1--------U',
      periodStart: '202312272300',
      periodEnd: '202402102300',
    });
  });

  it('averages PT15M quarter-hours into UTC hours: B16 solar, B18+B19 wind; PT60M load as is', async () => {
    serve({ A69: { body: A69 }, A65: { body: A65 } });
    const forecast = ok(await provider.fetch(source, window));
    const hour = (iso: string) => forecast.hours.find((h) => h.hour === at(iso).toMillis());
    // Three days of wind and solar (72 h) and four days of load (96 h), on different dates.
    expect(forecast.hours).toHaveLength(72 + 96);
    expect(forecast.hours.filter((h) => h.windMw !== undefined && h.solarMw !== undefined)).toHaveLength(72);
    expect(forecast.hours.filter((h) => h.loadMw !== undefined)).toHaveLength(96);
    // First quarter-hours of the file: wind 2224, 2223, 2221, 2218; solar 0.
    expect(hour('2024-02-07T23:00Z')).toEqual({ hour: at('2024-02-07T23:00Z').toMillis(), windMw: 2221.5, solarMw: 0 });
    // Positions 41-44 of the first day: solar 151, 161, 170, 177; wind 2876, 3033, 3092, 3124.
    expect(hour('2024-02-08T09:00Z')).toMatchObject({ solarMw: 164.75, windMw: 3031.25 });
    // Last quarter-hours of the third day: wind 1375, 1366, 1364, 1362 (Period ends 2024-02-10T23:00Z).
    expect(hour('2024-02-10T22:00Z')).toMatchObject({ windMw: 1366.75, solarMw: 0 });
    expect(hour('2024-02-10T23:00Z')).toBeUndefined();
    expect(hour('2023-12-27T23:00Z')).toEqual({ hour: at('2023-12-27T23:00Z').toMillis(), loadMw: 1554 });
    expect(hour('2023-12-31T22:00Z')).toMatchObject({ loadMw: 1432 });
    expect(forecast.hours.map((h) => h.hour)).toEqual([...forecast.hours.map((h) => h.hour)].sort((a, b) => a - b));
    // Issued: the later of the two documents' createdDateTime.
    expect(forecast.issuedAt).toBe('2024-02-09T18:33:40.000Z');
  });

  it('a timeout is a failure of its own kind', async () => {
    serve({ A69: { hang: true } });
    const result = failure(await provider.fetch({ ...source, timeoutMs: 200 }, window));
    expect(result.kind).toBe('timeout');
  });

  it.each([
    [401, 'unauthorized'],
    [403, 'unauthorized'],
    [400, 'client-error'],
    [500, 'server-error'],
    [503, 'server-error'],
  ])('%i is %s, and the token never appears in the failure', async (status, kind) => {
    serve({ A69: { status, body: '' } });
    const result = failure(await provider.fetch(source, window));
    expect(result).toMatchObject({ kind, status });
    expect(JSON.stringify(result)).not.toContain(TOKEN);
  });

  it('429 (the platform bans for 10 minutes) asks to wait at least that long', async () => {
    // The text the platform's user guide documents for this answer.
    const documented = 'Max allowed requests per minute from each unique IP is max up to 400 only';
    serve({ A69: { status: 429, body: documented, contentType: 'text/plain' } });
    const result = failure(await provider.fetch(source, window));
    expect(result.kind).toBe('rate-limited');
    expect(result.retryAfterMs).toBeGreaterThanOrEqual(10 * 60_000);
    expect(result.message).toContain('max up to 400');
  });

  it('a cut-off document (the recorded A69, truncated) is malformed', async () => {
    serve({ A69: { body: A69.slice(0, 20_000) }, A65: { body: A65 } });
    const result = failure(await provider.fetch(source, window));
    expect(result.kind).toBe('malformed');
    expect(result.message).toContain('A69');
  });

  it('a JSON body where XML belongs is malformed', async () => {
    serve({ A69: { body: fixture('electricity-maps', 'forecast-nl.json') }, A65: { body: A65 } });
    expect(failure(await provider.fetch(source, window)).kind).toBe('malformed');
  });

  it('no token configured: no request is sent', async () => {
    serve({});
    expect(failure(await provider.fetch({ ...source, credentials: {} }, window)).kind).toBe('unauthorized');
    expect(server.requests).toHaveLength(0);
  });
});

describe('RequestBudget', () => {
  it('lets `limit` requests through per window and holds the next until the oldest ages out', async () => {
    const budget = new RequestBudget(2, 300);
    const started = performance.now();
    await budget.take('token');
    await budget.take('token');
    const beforeThird = performance.now();
    expect(beforeThird - started).toBeLessThan(250);
    await budget.take('token');
    expect(performance.now() - started).toBeGreaterThanOrEqual(299);
  });

  it('counts each token on its own', async () => {
    const budget = new RequestBudget(1, 60_000);
    await budget.take('a');
    const started = performance.now();
    await budget.take('b');
    expect(performance.now() - started).toBeLessThan(100);
  });
});
