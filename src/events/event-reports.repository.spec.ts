import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { parseEnvironment } from '../config/environment.js';
import { connectRedis } from '../redis/redis-connection.js';
import { RedisKeys } from '../redis/redis-keys.js';
import { EventReportsRepository, type GridEventRecord } from './event-reports.repository.js';

const record: GridEventRecord = {
  key: 'west-dr:dr-1',
  zone: 'west',
  sites: ['east-edge'],
  source: { kind: 'openadr', subscription: 'west', programId: 'west-dr', eventId: 'dr-1' },
  receivedAt: '2026-03-02T01:00:00Z',
  updatedAt: '2026-03-02T01:00:00Z',
  startMs: Date.parse('2026-03-02T01:00:00Z'),
  endMs: Date.parse('2026-03-02T03:00:00Z'),
  planVersion: 1,
  baseline: { hours: [Date.parse('2026-03-02T01:00:00Z')], sites: {} },
};

/** Grid event records on the real Redis, as two instances of the service see them. */
describe('grid event records (real Redis)', () => {
  const keys = new RedisKeys(`{westwind-test:${randomBytes(6).toString('hex')}}:`);
  const connections: Redis[] = [];
  let instances: EventReportsRepository[];

  beforeAll(async () => {
    for (let i = 0; i < 2; i++) {
      const redis = connectRedis(parseEnvironment(process.env));
      if (redis.status !== 'ready') await once(redis, 'ready');
      connections.push(redis);
    }
    instances = connections.map((redis) => new EventReportsRepository(redis, keys));
    instances.forEach((repository) => repository.onModuleInit());
  });
  afterAll(async () => {
    await connections[0]?.del(keys.gridEventReports(), keys.gridEventVtnReports());
    await Promise.all(connections.map((redis) => redis.quit()));
  });

  it('two instances updating one event at once lose neither a baseline nor the deletion', async () => {
    const [a, b] = instances;
    await a.update(record.key, () => record);
    // Each instance adds one site's baseline, ten at once each; one also withdraws the event.
    const addSite = (site: string) => (current: GridEventRecord | undefined) =>
      current && { ...current, baseline: { ...current.baseline, sites: { ...current.baseline.sites, [site]: [1] } } };
    const sites = Array.from({ length: 20 }, (_, i) => `site-${i}`);
    await Promise.all([
      ...sites.map((site, i) => (i % 2 === 0 ? a : b).update(record.key, addSite(site))),
      b.update(record.key, (current) => current && { ...current, deletedAt: '2026-03-02T02:00:00Z' }),
    ]);
    const stored = await a.get(record.key);
    expect(Object.keys(stored!.baseline.sites).sort()).toEqual([...sites].sort());
    expect(stored!.deletedAt).toBe('2026-03-02T02:00:00Z');
  });

  it('an update of no record stores nothing; it returns what was there and what it made of it', async () => {
    const [a] = instances;
    expect(await a.update('west-dr:none', (current) => current && { ...current, deletedAt: 'x' })).toEqual({
      before: undefined,
      after: undefined,
    });
    expect(await a.get('west-dr:none')).toBeUndefined();
    const created = await a.update('west-dr:new', () => ({ ...record, key: 'west-dr:new' }));
    expect(created).toEqual({ before: undefined, after: { ...record, key: 'west-dr:new' } });
  });
});
