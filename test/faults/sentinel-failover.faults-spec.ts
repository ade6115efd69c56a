import { execFileSync } from 'node:child_process';
import { DateTime } from 'luxon';
import { until } from '../support/execution.js';
import { useServiceProcess } from '../support/service-process.js';
import { ALPHA } from '../support/test-app.js';

const redisCli = (port: number, ...args: string[]) =>
  execFileSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8' }).trim();
const replicationOffset = (port: number, field: string) =>
  Number(new RegExp(`^${field}:(\\d+)`, 'm').exec(redisCli(port, 'info', 'replication'))?.[1] ?? -1);

/**
 * The built service through its own local Sentinel (master, replica, one Sentinel that takes a
 * master for dead after 1 s), and what a test needs around a failover: submissions arriving every
 * 20 ms while it happens, and a look at what came of them.
 */
function useSentinel(ports: { master: number; replica: number; sentinel: number; service: number }) {
  const env = {
    ...process.env,
    REDIS_SENTINEL_MASTER_PORT: String(ports.master),
    REDIS_SENTINEL_REPLICA_PORT: String(ports.replica),
    REDIS_SENTINEL_PORT: String(ports.sentinel),
    REDIS_SENTINEL_DOWN_AFTER_MS: '1000',
  };
  const script = (command: 'start' | 'stop') =>
    execFileSync('bash', ['scripts/redis-sentinel.sh', command], { env, encoding: 'utf8' });
  beforeAll(() => script('start'));
  afterAll(() => script('stop'));
  // Its data lives in this Sentinel's master and goes with it; the suite's own connection sees none of it.
  const { service } = useServiceProcess(ports.service, {
    REDIS_MODE: 'sentinel',
    REDIS_URL: `redis://127.0.0.1:${ports.sentinel}`,
    REDIS_SENTINEL_MASTER: 'westwind',
  });
  const deadline = DateTime.utc().plus({ days: 2 }).toISO();
  const submit = (name: string) =>
    fetch(`${service.url}/v1/jobs`, {
      method: 'POST',
      headers: { ...ALPHA, 'content-type': 'application/json' },
      body: JSON.stringify({ name, gpus: 1, runtimeHours: 1, deadline }),
    });
  const read = (id: string) => fetch(`${service.url}/v1/jobs/${id}`, { headers: ALPHA });
  const planOf = async (id: string) => ((await (await read(id)).json()) as { plan: unknown }).plan;

  return {
    service,
    stopRedis: () => script('stop'),
    submit,
    planOf,
    /** A first job, planned and on the replica too (replication is asynchronous). */
    async firstJob(): Promise<string> {
      await service.start();
      const res = await submit('before-failover');
      expect(res.status).toBe(201);
      const { id } = (await res.json()) as { id: string };
      await until(
        () => planOf(id),
        (plan) => plan !== null,
      );
      const written = replicationOffset(ports.master, 'master_repl_offset');
      await until(
        () => replicationOffset(ports.replica, 'slave_repl_offset'),
        (offset) => offset >= written,
      );
      return id;
    },
    /**
     * Submits every 20 ms while `failover` runs, until the replica is master and the service takes
     * jobs again, then a second more; returns the answers, the acknowledged jobs not found
     * afterwards, and when (ms after the failover began) the replica was promoted and a job accepted.
     */
    async submitThrough(failover: () => void) {
      const acknowledged: string[] = [];
      const answers: Record<number, number> = {};
      let submitting = true;
      const stream = (async () => {
        for (let i = 0; submitting; i++) {
          const status = await submit(`during-${i}`).then(
            async (res) => {
              if (res.status === 201) acknowledged.push(((await res.json()) as { id: string }).id);
              return res.status;
            },
            () => 0,
          );
          answers[status] = (answers[status] ?? 0) + 1;
          await new Promise((r) => setTimeout(r, 20));
        }
      })();
      const began = Date.now();
      failover();
      await until(
        () => redisCli(ports.sentinel, 'sentinel', 'get-master-addr-by-name', 'westwind'),
        (addr) => addr.endsWith(String(ports.replica)),
        30_000,
      );
      const promotedMs = Date.now() - began;
      const after = await until(
        () => submit('after-failover'),
        (res) => res.status === 201,
        30_000,
      );
      const acceptingMs = Date.now() - began;
      await new Promise((r) => setTimeout(r, 1000));
      submitting = false;
      await stream;
      const lost: string[] = [];
      for (const id of acknowledged) if ((await read(id)).status !== 200) lost.push(id);
      const { id: afterId } = (await after.json()) as { id: string };
      expect(redisCli(ports.replica, 'role').split('\n')[0]).toBe('master');
      return { answers, acknowledged: acknowledged.length, lost, promotedMs, acceptingMs, afterId, began };
    },
  };
}

/**
 * A Sentinel failover under a running service: the replica is promoted, the old master demoted or
 * dead. The service follows by itself: it takes, stores and plans jobs on the new master.
 */
describe('Sentinel failover (planned: SENTINEL FAILOVER)', () => {
  const sentinel = useSentinel({ master: 6393, replica: 6394, sentinel: 26393, service: 4735 });

  it('keeps every acknowledged job and takes, stores and plans new ones on the promoted replica', async () => {
    const first = await sentinel.firstJob();
    const run = await sentinel.submitThrough(() => redisCli(26393, 'sentinel', 'failover', 'westwind'));
    // Until the service has moved, a submission may be refused (503); never another error, never acknowledged and lost.
    expect(Object.keys(run.answers).filter((status) => status !== '201' && status !== '503')).toEqual([]);
    expect(run.lost).toEqual([]);
    expect(await sentinel.planOf(first)).not.toBeNull();
    // Planned there: the planning queue's BullMQ workers followed the master too.
    await until(
      () => sentinel.planOf(run.afterId),
      (plan) => plan !== null,
      30_000,
    );
    console.log(
      `sentinel failover: replica promoted in ${run.promotedMs} ms; ` +
        `a job accepted ${run.acceptingMs} ms after the failover began ` +
        `and planned ${Date.now() - run.began} ms after; ` +
        `answers meanwhile ${JSON.stringify(run.answers)}, all ${run.acknowledged} acknowledged jobs there`,
    );
  }, 120_000);
});

describe('Sentinel failover (unplanned: the master dies)', () => {
  const sentinel = useSentinel({ master: 6395, replica: 6396, sentinel: 26395, service: 4736 });

  it('recovers by itself once Sentinel promotes the replica; stops on SIGTERM once all Redis is gone', async () => {
    const first = await sentinel.firstJob();
    const masterPid = Number(/^process_id:(\d+)/m.exec(redisCli(6395, 'info', 'server'))![1]);
    const run = await sentinel.submitThrough(() => process.kill(masterPid, 'SIGKILL'));
    expect(Object.keys(run.answers).filter((status) => status !== '201' && status !== '503')).toEqual([]);
    // Sentinel waits 1 s before it calls the master dead; the service must be taking jobs soon after the promotion.
    expect(run.acceptingMs - run.promotedMs).toBeLessThan(10_000);
    expect(await sentinel.planOf(first)).not.toBeNull();
    await until(
      () => sentinel.planOf(run.afterId),
      (plan) => plan !== null,
      30_000,
    );
    // Replication is asynchronous: what the master acknowledged in its last moment may not have reached the replica.
    const plannedMs = Date.now() - run.began;

    // With every Redis gone, SIGTERM still ends the service (main.ts gives a graceful stop 10 s).
    sentinel.stopRedis();
    const stopping = Date.now();
    await sentinel.service.stop();
    const stopMs = Date.now() - stopping;
    expect(stopMs).toBeLessThan(15_000);
    console.log(
      `sentinel master death: replica promoted ${run.promotedMs} ms after kill -9, ` +
        `a job accepted at ${run.acceptingMs} ms and planned at ${plannedMs} ms; ` +
        `answers meanwhile ${JSON.stringify(run.answers)}; ` +
        `${run.lost.length} of ${run.acknowledged} acknowledged jobs lost; ` +
        `with Redis gone, SIGTERM ended the service in ${stopMs} ms`,
    );
  }, 120_000);
});
