import { DateTime } from 'luxon';
import { fixture, ProviderServer, type Reply, type SeenRequest } from '../../../../test/support/provider-server.js';
import type { ProviderResult, ProviderSource } from '../forecast-provider.js';
import { WattTimeProvider } from './watttime-provider.js';

// WattTime's documented v3 answers and recorded 403 (see test/fixtures/providers/watttime/PROVENANCE.md).
const LOGIN = fixture('watttime', 'login.json');
const FORECAST = fixture('watttime', 'forecast-caiso-north.json');
const HISTORICAL = fixture('watttime', 'forecast-historical-caiso-north.json');
const FORBIDDEN = fixture('watttime', 'forbidden-403.html');
const LBS_PER_MWH = 0.45359237;
const at = (iso: string) => DateTime.fromISO(iso, { zone: 'utc' });
const window = { from: at('2022-07-15T00:00Z'), to: at('2022-07-16T00:00Z') };

describe('WattTimeProvider', () => {
  let server: ProviderServer;
  let source: ProviderSource;
  let provider: WattTimeProvider;
  const serve = (routes: Record<string, Reply | ((r: SeenRequest) => Reply)>) => {
    server.route = (request) => {
      const reply = routes[request.path] ?? { status: 404, body: '' };
      return typeof reply === 'function' ? reply(request) : reply;
    };
  };
  const failure = (result: ProviderResult) => {
    if (result.ok) throw new Error('expected a failure');
    return result.failure;
  };

  beforeAll(async () => {
    server = await ProviderServer.start();
    const credentials = { username: 'westwind', password: 'pa:ss word' };
    source = { area: 'CAISO_NORTH', baseUrl: server.baseUrl, credentials, timeoutMs: 2000 };
  });
  afterAll(() => server.close());
  beforeEach(() => {
    server.requests.splice(0);
    provider = new WattTimeProvider();
  });

  it('logs in (basic auth), asks /v3/forecast (bearer), averages 5-minute MOER into g/kWh per hour', async () => {
    serve({ '/login': { body: LOGIN }, '/v3/forecast': { body: FORECAST } });
    const result = await provider.fetch(source, window);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.forecast.issuedAt).toBe('2022-07-15T00:00:00.000Z');
    expect(result.forecast.hours).toHaveLength(1);
    expect(result.forecast.hours[0].hour).toBe(at('2022-07-15T00:00Z').toMillis());
    const documented = (1048.4131919701972 + 1051.0880801214637) / 2;
    expect(result.forecast.hours[0].carbonGPerKwh).toBeCloseTo(documented * LBS_PER_MWH, 9);
    const [login, forecast] = server.requests;
    expect(login.path).toBe('/login');
    expect(login.headers.authorization).toBe(`Basic ${Buffer.from('westwind:pa:ss word').toString('base64')}`);
    expect(forecast.headers.authorization).toBe('Bearer abcd1234');
    expect(Object.fromEntries(forecast.query)).toEqual({ region: 'CAISO_NORTH', signal_type: 'co2_moer' });
  });

  it('keeps its token: a second pull does not log in again', async () => {
    serve({ '/login': { body: LOGIN }, '/v3/forecast': { body: FORECAST } });
    await provider.fetch(source, window);
    await provider.fetch(source, window);
    expect(server.requests.map((r) => r.path)).toEqual(['/login', '/v3/forecast', '/v3/forecast']);
  });

  it('a refused token (401) is renewed once, then the pull goes on', async () => {
    let forecasts = 0;
    const forecast = () => (forecasts++ === 0 ? { status: 401, body: '' } : { body: FORECAST });
    serve({ '/login': { body: LOGIN }, '/v3/forecast': forecast });
    expect((await provider.fetch(source, window)).ok).toBe(true);
    expect(server.requests.map((r) => r.path)).toEqual(['/login', '/v3/forecast', '/login', '/v3/forecast']);
  });

  it('a 403 (nginx page) on login or forecast is unauthorized', async () => {
    serve({ '/login': { status: 403, body: FORBIDDEN, contentType: 'text/html' } });
    expect(failure(await provider.fetch(source, window))).toMatchObject({ kind: 'unauthorized', status: 403 });
    serve({ '/login': { body: LOGIN }, '/v3/forecast': { status: 403, body: FORBIDDEN, contentType: 'text/html' } });
    const result = failure(await provider.fetch(source, window));
    expect(result).toMatchObject({ kind: 'unauthorized', status: 403 });
    expect(result.message).toContain('403 Forbidden');
  });

  it.each([
    [429, 'rate-limited'],
    [500, 'server-error'],
    [503, 'server-error'],
  ])('%i is %s', async (status, kind) => {
    serve({ '/login': { body: LOGIN }, '/v3/forecast': { status, body: '' } });
    expect(failure(await provider.fetch(source, window))).toMatchObject({ kind, status });
  });

  it('a timeout, and a cut-off body, are failures of their kinds', async () => {
    serve({ '/login': { body: LOGIN }, '/v3/forecast': { hang: true } });
    expect(failure(await provider.fetch({ ...source, timeoutMs: 200 }, window)).kind).toBe('timeout');
    serve({ '/login': { body: LOGIN }, '/v3/forecast': { body: FORECAST.slice(0, 150) } });
    expect(failure(await provider.fetch(source, window)).kind).toBe('malformed');
  });

  it('/v3/forecast/historical gives each issued forecast for a replay', async () => {
    serve({ '/login': { body: LOGIN }, '/v3/forecast/historical': { body: HISTORICAL } });
    const result = await provider.fetchHistorical(source, window);
    expect(result).toEqual({
      ok: true,
      forecasts: [
        {
          issuedAt: '2022-07-15T00:00:00.000Z',
          hours: [{ hour: at('2022-07-15T00:00Z').toMillis(), carbonGPerKwh: expect.closeTo(870 * LBS_PER_MWH, 9) }],
        },
      ],
    });
    const request = server.requests.find((r) => r.path === '/v3/forecast/historical')!;
    expect(Object.fromEntries(request.query)).toEqual({
      region: 'CAISO_NORTH',
      signal_type: 'co2_moer',
      start: '2022-07-15T00:00:00.000Z',
      end: '2022-07-16T00:00:00.000Z',
    });
  });
});
