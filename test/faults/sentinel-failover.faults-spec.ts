import { execFileSync } from 'node:child_process';
import { DateTime } from 'luxon';
import { until } from '../support/execution.js';
import { useServiceProcess } from '../support/service-process.js';
import { ALPHA } from '../support/test-app.js';

const MASTER = 6393;
const REPLICA = 6394;
const SENTINEL = 26393;
const ports = { REDIS_SENTINEL_MASTER_PORT: String(MASTER), REDIS_SENTINEL_REPLICA_PORT: String(REPLICA), REDIS_SENTINEL_PORT: String(SENTINEL) };
const sentinelScript = (command: 'start' | 'stop') => execFileSync('bash', ['scripts/redis-sentinel.sh', command], { env: { ...process.env, ...ports }, encoding: 'utf8' }).trim();
const redisCli = (port: number, ...args: string[]) => execFileSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8' }).trim();
const replicationOffset = (port: number, field: string) => Number(new RegExp(`^${field}:(\\d+)`, 'm').exec(redisCli(port, 'info', 'replication'))?.[1] ?? -1);

/**
 * A Sentinel failover under a running service: the master's replica is promoted and the old master
 * demoted. The service follows by itself: it accepts, stores and plans jobs on the new master, and
 * every job acknowledged before the failover is still there.
 */
describe('Sentinel failover', () => {
  // Its data lives in the Sentinel's master and goes with it; the suite's own connection sees none of it.
  const { service } = useServiceProcess(4735, { REDIS_MODE: 'sentinel', REDIS_URL: `redis://127.0.0.1:${SENTINEL}`, REDIS_SENTINEL_MASTER: 'westwind' });
  const deadline = DateTime.utc().plus({ days: 2 }).toISO();
  const submit = (name: string) => fetch(`${service.url}/v1/jobs`, { method: 'POST', headers: { ...ALPHA, 'content-type': 'application/json' }, body: JSON.stringify({ name, gpus: 1, runtimeHours: 1, deadline }) });
  const planOf = async (id: string) => ((await (await fetch(`${service.url}/v1/jobs/${id}`, { headers: ALPHA })).json()) as { plan: unknown }).plan;

  beforeAll(() => sentinelScript('start'));
  afterAll(() => sentinelScript('stop'));

  it('keeps every acknowledged job and takes, stores and plans new ones on the promoted replica', async () => {
    await service.start();
    const before = await submit('before-failover');
    expect(before.status).toBe(201);
    const { id: beforeId } = (await before.json()) as { id: string };
    await until(() => planOf(beforeId), (plan) => plan !== null);
    // A planned failover: the replica has everything the master acknowledged (replication is asynchronous).
    const written = replicationOffset(MASTER, 'master_repl_offset');
    await until(async () => replicationOffset(REPLICA, 'slave_repl_offset'), (offset) => offset >= written);

    // Submissions keep coming through the failover, one every 20 ms.
    const acknowledged: string[] = [];
    const answers = new Map<number, number>();
    let submitting = true;
    const stream = (async () => {
      for (let i = 0; submitting; i++) {
        const res = await submit(`during-${i}`).catch(() => undefined);
        answers.set(res?.status ?? 0, (answers.get(res?.status ?? 0) ?? 0) + 1);
        if (res?.status === 201) acknowledged.push(((await res.json()) as { id: string }).id);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();

    const failoverAt = Date.now();
    redisCli(SENTINEL, 'sentinel', 'failover', 'westwind');
    await until(async () => redisCli(SENTINEL, 'sentinel', 'get-master-addr-by-name', 'westwind'), (addr) => addr.endsWith(String(REPLICA)), 30_000);
    const promotedMs = Date.now() - failoverAt;
    // Until the service has moved, a submission may be refused (503), never acknowledged and lost.
    const after = await until(() => submit('after-failover'), (res) => res.status === 201, 30_000);
    const acceptingMs = Date.now() - failoverAt;
    await new Promise((r) => setTimeout(r, 1000));
    submitting = false;
    await stream;
    const { id: afterId } = (await after.json()) as { id: string };
    expect([...answers.keys()].filter((status) => status !== 201 && status !== 503)).toEqual([]);
    const lost: string[] = [];
    for (const id of acknowledged) if ((await fetch(`${service.url}/v1/jobs/${id}`, { headers: ALPHA })).status !== 200) lost.push(id);
    expect(lost).toEqual([]);

    // Stored on the new master, and planned there (the planning queue's BullMQ workers moved too).
    expect(redisCli(REPLICA, 'role').split('\n')[0]).toBe('master');
    expect((await fetch(`${service.url}/v1/jobs/${beforeId}`, { headers: ALPHA })).status).toBe(200);
    await until(() => planOf(afterId), (plan) => plan !== null, 30_000);
    const plannedMs = Date.now() - failoverAt;
    console.log(`sentinel failover: replica promoted in ${promotedMs} ms; submissions accepted again ${acceptingMs} ms after the failover; answers during it ${JSON.stringify(Object.fromEntries(answers))}, all ${acknowledged.length} acknowledged jobs there; the new job planned after ${plannedMs} ms`);
  }, 120_000);
});
