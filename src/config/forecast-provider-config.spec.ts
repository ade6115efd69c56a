import { readFileSync } from 'node:fs';
import { ConfigError } from './config-error.js';
import { EntsoeProviderConfig, WattTimeProviderConfig } from './forecast-provider-config.js';
import { parseWestwindConfig } from './westwind-config.js';

const base = readFileSync('test/fixtures/westwind.test.yaml', 'utf8');
const withProviders = (providers: string) => base.replace('  - id: de\n', `    providers:\n${providers}  - id: de\n`);
const problems = (yaml: string, env: Record<string, string> = {}) => {
  try {
    parseWestwindConfig(yaml, 'test', env);
  } catch (error) {
    return (error as ConfigError).message;
  }
  throw new Error('accepted');
};

describe('zone forecast providers in the configuration', () => {
  it('reads each type into its class, credentials from ${ENV}, refresh as a duration or minutes', () => {
    const config = parseWestwindConfig(
      withProviders(`\
      - { type: entsoe, area: 10YFI-1--------U, token: "\${ENTSOE_TOKEN}", refresh: 30 }
      - type: watttime
        region: CAISO_NORTH
        username: "\${WT_USER}"
        password: "\${WT_PASS}"
        baseUrl: "http://127.0.0.1:9"
`),
      'test',
      { ENTSOE_TOKEN: 'entsoe-token-123', WT_USER: 'desk', WT_PASS: 'secret' },
    );
    const [entsoe, watttime] = config.zones[0].providers;
    expect(entsoe).toBeInstanceOf(EntsoeProviderConfig);
    expect(entsoe).toMatchObject({ refresh: 'PT30M', refreshMs: 1_800_000 });
    expect(entsoe.credentials).toEqual({ token: 'entsoe-token-123' });
    expect(watttime).toBeInstanceOf(WattTimeProviderConfig);
    expect(watttime).toMatchObject({ refresh: 'PT1H', area: 'CAISO_NORTH', timeoutMs: 10_000 });
    expect(watttime.baseUrl).toBe('http://127.0.0.1:9');
    expect(config.zones[1].providers).toEqual([]);
  });

  it('refuses, naming each field: bad area, short token, a refresh under a minute, unknown fields and types', () => {
    const bad = '      - { type: entsoe, area: FI, token: x, refresh: PT1S, colour: red }\n';
    const message = problems(withProviders(bad));
    for (const field of ['area', 'token', 'refresh', 'colour']) {
      expect(message).toContain(`zones[0].providers[0].${field}`);
    }
    const unknown = problems(withProviders('      - { type: nope }\n'));
    expect(unknown).toContain('must be one of entsoe, electricity-maps, watttime');
  });

  it("ENTSO-E's rateLimit: the published 400 a minute by default; at least 6 requests in 1 to 3,600 s", () => {
    const zone = (extra: string) =>
      withProviders(`      - { type: entsoe, area: 10YFI-1--------U, token: entsoe-token-123${extra} }\n`);
    const [entsoe] = parseWestwindConfig(zone(''), 'test', {}).zones[0].providers as EntsoeProviderConfig[];
    expect(entsoe.rateLimit).toEqual({ requests: 400, windowSeconds: 60 });
    const set = parseWestwindConfig(zone(', rateLimit: { requests: 100 }'), 'test', {}).zones[0].providers[0];
    expect((set as EntsoeProviderConfig).rateLimit).toEqual({ requests: 100, windowSeconds: 60 });
    const message = problems(zone(', rateLimit: { requests: 5, windowSeconds: 0 }'));
    expect(message).toContain('zones[0].providers[0].rateLimit.requests');
    expect(message).toContain('zones[0].providers[0].rateLimit.windowSeconds');
  });

  it('refuses a missing ${ENV} and two carbon providers in one zone', () => {
    const message = problems(
      withProviders(`\
      - { type: electricity-maps, zone: NL, token: "\${EM_TOKEN}" }
      - { type: watttime, region: CAISO_NORTH, username: a, password: b }
`),
    );
    expect(message).toContain('environment variable EM_TOKEN is not set');
    expect(message).toContain('one carbon provider');
  });
});
