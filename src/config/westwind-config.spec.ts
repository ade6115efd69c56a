import { ConfigError } from './config-error.js';
import { clockFrom, parseEnvironment } from './environment.js';
import { loadWestwindConfig, parseWestwindConfig } from './westwind-config.js';

const valid = `
zones: [{ id: west, timeZone: Asia/Shanghai }]
sites: [{ id: hub, zone: west, gpus: 8, kwPerGpu: 0.7, pue: 1.2 }]
dataRegions: [{ id: shanghai }]
tenants: [{ id: lab, apiKeys: ["\${LAB_KEY:-lab-key-0000000000}"] }]
`;

function problemsOf(yaml: string, env: Record<string, string> = {}): string[] {
  try {
    parseWestwindConfig(yaml, 'test.yaml', env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems.map((p) => `${p.field}: ${p.message}`);
  }
  return [];
}

describe('YAML configuration', () => {
  it('loads the shipped default configuration', () => {
    const config = loadWestwindConfig('config/westwind.yaml', {});
    expect(config.sites.map((s) => s.id)).toContain('nm-helinger');
    expect(config.zones.every((z) => z.timeZone === 'Asia/Shanghai')).toBe(true);
  });

  it('reads secrets from the environment, with defaults', () => {
    expect(parseWestwindConfig(valid, 't', {}).tenants[0].apiKeys).toEqual(['lab-key-0000000000']);
    expect(parseWestwindConfig(valid, 't', { LAB_KEY: 'from-env-key-123456' }).tenants[0].apiKeys).toEqual(['from-env-key-123456']);
    expect(problemsOf(valid.replace(':-lab-key-0000000000', ''))).toContain('tenants[0].apiKeys[0]: environment variable LAB_KEY is not set and has no default');
  });

  it.each([
    ['a zone with a bad time zone', valid.replace('Asia/Shanghai', 'Mars/Olympus'), 'zones[0].timeZone: "Mars/Olympus" is not an IANA time zone'],
    ['a site in an unknown zone', valid.replace('zone: west', 'zone: east'), 'sites[0].zone: unknown zone "east"'],
    ['a fractional GPU count', valid.replace('gpus: 8', 'gpus: 8.5'), 'sites[0].gpus: must be a whole number of GPUs'],
    ['a PUE below 1', valid.replace('pue: 1.2', 'pue: 0.9'), 'sites[0].pue:'],
    ['a short API key', valid.replace('lab-key-0000000000', 'short'), 'tenants[0].apiKeys: each API key must be at least 16 characters'],
    ['an unknown key', valid + 'colour: green\n', 'colour: property colour should not exist'],
    ['duplicate site ids', valid.replace('sites: [', 'sites: [{ id: hub, zone: west, gpus: 1, kwPerGpu: 1, pue: 1 }, '), 'sites[1].id: duplicate id "hub"'],
    ['no tenants', valid.replace(/tenants:.*\n/, ''), 'tenants:'],
    ['broken YAML', 'zones: [', '(yaml):'],
    ['a link to an unknown site', valid.replace('dataRegions: [{ id: shanghai }]', 'dataRegions: [{ id: shanghai, linksGbps: { mars: 10 } }]'), 'dataRegions[0].linksGbps.mars: unknown site "mars"'],
    ['a link of zero bandwidth', valid.replace('dataRegions: [{ id: shanghai }]', 'dataRegions: [{ id: shanghai, linksGbps: { hub: 0 } }]'), 'dataRegions[0].linksGbps.hub: must be a positive number'],
  ])('names the key and the problem for %s', (_, yaml, expected) => {
    expect(problemsOf(yaml).join('\n')).toContain(expected);
  });

  it('says which file could not be read', () => {
    expect(() => loadWestwindConfig('config/does-not-exist.yaml')).toThrow(/config\/does-not-exist\.yaml[\s\S]*cannot be read/);
  });
});

describe('environment', () => {
  it('has defaults for everything', () => {
    expect(parseEnvironment({})).toMatchObject({ REDIS_URL: 'redis://127.0.0.1:6379', PORT: 3000, WESTWIND_PREFIX: '{westwind}:', REDIS_MODE: 'standalone', WESTWIND_CONFIG: 'config/westwind.yaml' });
  });

  it('builds a virtual clock when asked', () => {
    const clock = clockFrom(parseEnvironment({ WESTWIND_CLOCK: 'virtual', WESTWIND_CLOCK_START: '2026-03-01T00:00:00+08:00', WESTWIND_CLOCK_SPEED: '720' }));
    expect(clock.speed).toBe(720);
    expect(Math.abs(clock.now().toMillis() - Date.parse('2026-02-28T16:00:00Z'))).toBeLessThan(720 * 1000);
    expect(clockFrom(parseEnvironment({})).speed).toBe(1);
  });

  it('refuses bad values naming the variable', () => {
    expect(() => parseEnvironment({ WESTWIND_CLOCK: 'fast' })).toThrow(/WESTWIND_CLOCK:/);
    expect(() => parseEnvironment({ WESTWIND_CLOCK_START: 'tomorrow' })).toThrow(/WESTWIND_CLOCK_START/);
    expect(() => parseEnvironment({ WESTWIND_CLOCK_SPEED: '-3' })).toThrow(/WESTWIND_CLOCK_SPEED/);
    expect(() => parseEnvironment({ PORT: 'eighty' })).toThrow(/PORT: must be an integer port number/);
    expect(() => parseEnvironment({ REDIS_URL: 'http://x' })).toThrow(/REDIS_URL: must be a redis/);
    expect(() => parseEnvironment({ WESTWIND_PREFIX: 'has space' })).toThrow(/WESTWIND_PREFIX/);
  });
});
