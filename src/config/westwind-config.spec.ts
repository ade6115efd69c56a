import { clockFrom, parseEnvironment } from './environment.js';
import { loadWestwindConfig, parseWestwindConfig } from './westwind-config.js';
import { problemsOf } from '../../test/support/config-problems.js';

const valid = `
zones: [{ id: west, timeZone: Asia/Shanghai }]
sites: [{ id: hub, zone: west, gpus: 8, kwPerGpu: 0.7, pue: 1.2 }]
dataRegions: [{ id: shanghai }]
tenants: [{ id: lab, apiKeys: ["\${LAB_KEY:-lab-key-0000000000}"] }]
`;

describe('YAML configuration', () => {
  it('loads the shipped default configuration', () => {
    const config = loadWestwindConfig('config/westwind.yaml', {});
    expect(config.sites.map((s) => s.id)).toContain('nm-helinger');
    expect(config.zones.every((z) => z.timeZone === 'Asia/Shanghai')).toBe(true);
  });

  it('reads secrets from the environment, with defaults', () => {
    expect(parseWestwindConfig(valid, 't', {}).tenants[0].apiKeys).toEqual(['lab-key-0000000000']);
    expect(parseWestwindConfig(valid, 't', { LAB_KEY: 'from-env-key-123456' }).tenants[0].apiKeys).toEqual([
      'from-env-key-123456',
    ]);
    expect(problemsOf(valid.replace(':-lab-key-0000000000', ''))).toContain(
      'tenants[0].apiKeys[0]: environment variable LAB_KEY is not set and has no default',
    );
  });

  it.each([
    [
      'a zone with a bad time zone',
      valid.replace('Asia/Shanghai', 'Mars/Olympus'),
      'zones[0].timeZone: "Mars/Olympus" is not an IANA time zone',
    ],
    ['a site in an unknown zone', valid.replace('zone: west', 'zone: east'), 'sites[0].zone: unknown zone "east"'],
    ['a fractional GPU count', valid.replace('gpus: 8', 'gpus: 8.5'), 'sites[0].gpus: must be a whole number of GPUs'],
    ['a PUE below 1', valid.replace('pue: 1.2', 'pue: 0.9'), 'sites[0].pue:'],
    [
      'a short API key',
      valid.replace('lab-key-0000000000', 'short'),
      'tenants[0].apiKeys: each API key must be at least 16 characters',
    ],
    ['an unknown key', valid + 'colour: green\n', 'colour: property colour should not exist'],
    [
      'duplicate site ids',
      valid.replace('sites: [', 'sites: [{ id: hub, zone: west, gpus: 1, kwPerGpu: 1, pue: 1 }, '),
      'sites[1].id: duplicate id "hub"',
    ],
    ['no tenants', valid.replace(/tenants:.*\n/, ''), 'tenants:'],
    ['broken YAML', 'zones: [', '(yaml):'],
    [
      'a link to an unknown site',
      valid.replace('dataRegions: [{ id: shanghai }]', 'dataRegions: [{ id: shanghai, linksGbps: { mars: 10 } }]'),
      'dataRegions[0].linksGbps.mars: unknown site "mars"',
    ],
    [
      'a rate limit of zero requests',
      valid + 'rateLimits: { tenant: { requests: 0, perSeconds: 10 } }\n',
      'rateLimits.tenant.requests: must not be less than 1',
    ],
    [
      'a rate limit window over an hour',
      valid + 'rateLimits: { sender: { requests: 5, perSeconds: 7200 } }\n',
      'rateLimits.sender.perSeconds:',
    ],
    [
      'a link of zero bandwidth',
      valid.replace('dataRegions: [{ id: shanghai }]', 'dataRegions: [{ id: shanghai, linksGbps: { hub: 0 } }]'),
      'dataRegions[0].linksGbps.hub: must be a positive number',
    ],
  ])('names the key and the problem for %s', (_, yaml, expected) => {
    expect(problemsOf(yaml).join('\n')).toContain(expected);
  });

  it('has rate limits by default, and takes them from the environment', () => {
    expect(parseWestwindConfig(valid, 't', {}).rateLimits).toMatchObject({
      tenant: { requests: 1200, perSeconds: 10 },
      sender: { requests: 300, perSeconds: 60 },
    });
    const fromEnv = parseWestwindConfig(
      valid + 'rateLimits: { tenant: { requests: "${TENANT_REQUESTS:-5}", perSeconds: 1 } }\n',
      't',
      { TENANT_REQUESTS: '50' },
    );
    expect(fromEnv.rateLimits.tenant).toMatchObject({ requests: 50, perSeconds: 1 });
    expect(fromEnv.rateLimits.sender).toMatchObject({ requests: 300, perSeconds: 60 });
  });

  it('starts re-plans warm by default; WESTWIND_WARM_START=false turns it off; anything else is refused', () => {
    const shipped = (env: Record<string, string>) => loadWestwindConfig('config/westwind.yaml', env).planner.warmStart;
    expect(shipped({})).toBe(true);
    expect(shipped({ WESTWIND_WARM_START: 'false' })).toBe(false);
    expect(parseWestwindConfig(valid, 't', {}).planner.warmStart).toBe(true);
    expect(parseWestwindConfig(valid + 'planner: { warmStart: false }\n', 't', {}).planner.warmStart).toBe(false);
    expect(problemsOf(valid + 'planner: { warmStart: "maybe" }\n').join('\n')).toContain(
      'planner.warmStart: must be true or false',
    );
  });

  it('says which file could not be read', () => {
    expect(() => loadWestwindConfig('config/does-not-exist.yaml')).toThrow(
      /config\/does-not-exist\.yaml[\s\S]*cannot be read/,
    );
  });
});

describe('environment', () => {
  it('has defaults for everything', () => {
    expect(parseEnvironment({})).toMatchObject({
      REDIS_URL: 'redis://127.0.0.1:6379',
      PORT: 3000,
      WESTWIND_PREFIX: '{westwind}:',
      REDIS_MODE: 'standalone',
      WESTWIND_CONFIG: 'config/westwind.yaml',
    });
  });

  it('builds a virtual clock when asked', () => {
    const clock = clockFrom(
      parseEnvironment({
        WESTWIND_CLOCK: 'virtual',
        WESTWIND_CLOCK_START: '2026-03-01T00:00:00+08:00',
        WESTWIND_CLOCK_SPEED: '720',
      }),
    );
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
    expect(() => parseEnvironment({ REDIS_MODE: 'replicated' })).toThrow(/REDIS_MODE/);
  });

  it('insists on a {hash tag} in the prefix, so a deployment fits one Redis Cluster slot', () => {
    expect(() => parseEnvironment({ WESTWIND_PREFIX: 'westwind:' })).toThrow(
      /WESTWIND_PREFIX: must contain one \{hash tag\}/,
    );
    expect(() => parseEnvironment({ WESTWIND_PREFIX: '{}:' })).toThrow(/WESTWIND_PREFIX/);
    expect(parseEnvironment({ WESTWIND_PREFIX: 'prod:{westwind-eu}:' }).WESTWIND_PREFIX).toBe('prod:{westwind-eu}:');
  });

  it('takes a list of nodes in cluster mode, and a master name in sentinel mode', () => {
    expect(
      parseEnvironment({ REDIS_MODE: 'cluster', REDIS_URL: 'redis://10.0.0.1:7000, redis://10.0.0.2:7000' }).REDIS_MODE,
    ).toBe('cluster');
    expect(() => parseEnvironment({ REDIS_URL: 'redis://a:7000,http://b:7000' })).toThrow(/REDIS_URL/);
    expect(() => parseEnvironment({ REDIS_MODE: 'sentinel', REDIS_URL: 'redis://10.0.0.1:26379' })).toThrow(
      /REDIS_SENTINEL_MASTER: is required when REDIS_MODE is sentinel/,
    );
    expect(
      parseEnvironment({
        REDIS_MODE: 'sentinel',
        REDIS_URL: 'redis://10.0.0.1:26379',
        REDIS_SENTINEL_MASTER: 'mymaster',
      }).REDIS_SENTINEL_MASTER,
    ).toBe('mymaster');
  });
});
