import { readFileSync } from 'node:fs';
import { DateTime } from 'luxon';
import request from 'supertest';
import { parseWestwindConfig } from '../../src/config/westwind-config.js';
import { virtualClock } from '../../src/domain/time/clock.js';
import { EntsoeProvider } from '../../src/signals/providers/entsoe/entsoe-provider.js';
import type { ProviderHour } from '../../src/signals/providers/forecast-provider.js';
import { until } from '../support/execution.js';
import { fixture, ProviderServer, type Reply } from '../support/provider-server.js';
import { ALPHA, OPERATOR, TEST_CONFIG, useTestApp } from '../support/test-app.js';

// Finland's recorded day-ahead wind and solar (A69, created 2024-02-09T18:33:40Z, hours to
// 2024-02-10T23:00Z; see test/fixtures/providers/entsoe/PROVENANCE.md). No recorded A65 of Finland
// exists, so the zone's load comes from an operator's CSV and the pull lays wind and solar over it.
const A69 = fixture('entsoe', 'a69-fi-day-ahead-wind-solar.xml');
const TOKEN = 'entsoe-e2e-token-5f3a9c';
const EIC = '10YFI-1--------U';
const utc = (iso: string) => DateTime.fromISO(iso, { zone: 'utc' });
// 600×: an hour every 6 s, so the hourly refresh comes within seconds; a scheduler tick each 10 min.
const clock = virtualClock(utc('2024-02-09T19:00Z'), 600);
const CHECKED = { from: '2024-02-10T00:00:00Z', to: '2024-02-10T23:00:00Z' };

let server: ProviderServer;
// The A65 answer recorded is DK2's, of December 2023: outside every pull's window, so no load from it.
const recorded = (documentType: string): Reply => ({
  body: documentType === 'A69' ? A69 : fixture('entsoe', 'a65-dk2-day-ahead-load.xml'),
  contentType: 'text/xml',
});
let reply: (documentType: string) => Reply = recorded;
beforeAll(async () => {
  server = await ProviderServer.start();
  server.route = (seen) => reply(seen.query.get('documentType') ?? '');
});
afterAll(() => server.close());

const ctx = useTestApp({
  clock,
  roles: 'api,planner',
  // The test config with a zone `fi` pulling from the loopback server, read as the service reads
  // its file: `${ENV}` interpolated, validated.
  configure: (config) => {
    const yaml = readFileSync(TEST_CONFIG, 'utf8').replace(
      'zones:\n',
      `zones:
  - id: fi
    timeZone: Europe/Helsinki
    providers:
      - type: entsoe
        area: "${EIC}"
        token: "\${ENTSOE_TOKEN}"
        baseUrl: "\${ENTSOE_URL}"
        refresh: PT1H
        timeoutMs: 2000
`,
    );
    const env = { ENTSOE_TOKEN: TOKEN, ENTSOE_URL: server.baseUrl };
    Object.assign(config, parseWestwindConfig(yaml, 'providers e2e', env));
  },
});

interface ProviderStatus {
  type: string;
  lastSuccessAt: string | null;
  ageSeconds: number | null;
  stale: boolean;
  lastError: { kind: string; message: string } | null;
  consecutiveFailures: number;
  hoursStored: number | null;
  hoursIncomplete: number | null;
}

async function entsoeStatus(): Promise<ProviderStatus> {
  const zones = (await request(ctx.http).get('/v1/zones').set(ALPHA).expect(200)).body as {
    id: string;
    providers: ProviderStatus[];
  }[];
  return zones.find((z) => z.id === 'fi')!.providers.find((p) => p.type === 'entsoe')!;
}

type Hour = { start: string; forecast: { windMw: number; solarMw: number; loadMw: number; issuedAt: string } | null };
async function fiHours(): Promise<Hour[]> {
  const res = await request(ctx.http).get('/v1/zones/fi/signals').query(CHECKED).set(ALPHA).expect(200);
  return (res.body as { hours: Hour[] }).hours;
}

async function pullErrors(kind: string): Promise<number> {
  const text = (await request(ctx.http).get('/metrics').set(OPERATOR).expect(200)).text;
  const line = text
    .split('\n')
    .find(
      (l) =>
        l.startsWith('westwind_forecast_pull_errors_total{') &&
        l.includes('zone="fi"') &&
        l.includes('provider="entsoe"') &&
        l.includes(`kind="${kind}"`),
    );
  return line ? Number(line.split(' ').pop()) : 0;
}

describe('forecast providers: scheduled pulls (ENTSO-E on a loopback server with recorded answers)', () => {
  let expected: Map<number, ProviderHour>;
  let goodHours: Hour[];

  it('a pull with nothing stored to complete counts the hours it left out and stores none', async () => {
    const status = await until(entsoeStatus, (s) => s.lastSuccessAt !== null);
    expect(status).toMatchObject({ stale: false, lastError: null, hoursStored: 0 });
    expect(status.hoursIncomplete).toBeGreaterThan(20);
    expect((await fiHours()).every((h) => h.forecast === null)).toBe(true);
    // It asked with the token and the area, as the driver's tests pin.
    const asked = (r: (typeof server.requests)[number]) =>
      r.query.get('securityToken') === TOKEN && r.query.get('in_Domain') === EIC;
    expect(server.requests.some(asked)).toBe(true);
  });

  it("the next scheduled pull lays the recorded wind and solar over the operator's load", async () => {
    const csv = ['start,windMw,solarMw,loadMw'];
    for (let t = utc('2024-02-09T19:00Z'); t < utc('2024-02-10T23:00Z'); t = t.plus({ hours: 1 })) {
      csv.push(`${t.toISO()},1,1,9000`);
    }
    await request(ctx.http)
      .post('/v1/zones/fi/forecasts.csv')
      .query({ issuedAt: '2024-02-09T12:00:00Z' })
      .set(OPERATOR)
      .set('content-type', 'text/csv')
      .send(csv.join('\n'))
      .expect(200);

    // What the driver reads from the same answer, hour by hour.
    const source = { area: EIC, baseUrl: server.baseUrl, credentials: { token: TOKEN }, timeoutMs: 2000 };
    const window = { from: utc('2024-02-10T00:00Z'), to: utc('2024-02-11T00:00Z') };
    const result = await new EntsoeProvider().fetch(source, window);
    if (!result.ok) throw new Error(result.failure.message);
    expected = new Map(result.forecast.hours.map((h) => [h.hour, h]));

    goodHours = await until(fiHours, (hours) => hours.every((h) => h.forecast?.windMw !== 1), 30_000);
    for (const hour of goodHours) {
      const want = expected.get(utc(hour.start).toMillis())!;
      expect(hour.forecast).toMatchObject({ windMw: want.windMw, solarMw: want.solarMw, loadMw: 9000 });
    }
    // Spot check against the file itself: last quarter-hours of 2024-02-10, wind 1375, 1366, 1364, 1362.
    expect(goodHours[22].forecast).toMatchObject({ windMw: 1366.75, solarMw: 0 });
    const status = await entsoeStatus();
    expect(status).toMatchObject({ stale: false, lastError: null, consecutiveFailures: 0 });
    expect(status.hoursStored).toBeGreaterThan(0);
    expect(status.ageSeconds).toBeGreaterThanOrEqual(0);
  });

  it.each([
    ['a 503', 'server-error', () => ({ status: 503, body: '' })],
    ['a 401', 'unauthorized', () => ({ status: 401, body: '' })],
    ['a document cut short', 'malformed', () => ({ body: A69.slice(0, 20_000), contentType: 'text/xml' })],
  ] as const)(
    '%s keeps the last good forecast; the zone shows stale with the error; /metrics counts it',
    async (_, kind, answer) => {
      const before = await pullErrors(kind);
      reply = answer;
      const status = await until(entsoeStatus, (s) => s.lastError?.kind === kind, 30_000);
      expect(status.stale).toBe(true);
      expect(status.consecutiveFailures).toBeGreaterThan(0);
      expect(status.lastSuccessAt).not.toBeNull();
      expect(JSON.stringify(status)).not.toContain(TOKEN);
      expect(await fiHours()).toEqual(goodHours);
      expect(await pullErrors(kind)).toBeGreaterThan(before);
    },
  );

  it("recovers at the back-off's next try once the provider answers again", async () => {
    reply = recorded;
    const status = await until(entsoeStatus, (s) => !s.stale, 30_000);
    expect(status).toMatchObject({ consecutiveFailures: 0, lastError: { kind: 'malformed' } });
    expect(await fiHours()).toEqual(goodHours);
  });
});
