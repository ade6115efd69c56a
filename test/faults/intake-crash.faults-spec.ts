import { DateTime } from 'luxon';
import { RedisKeys } from '../../src/redis/redis-keys.js';
import { useServiceProcess } from '../support/service-process.js';
import { ALPHA } from '../support/test-app.js';

const SUBMITTERS = 16;
/** Kill once this many submissions were acknowledged, so many more are in flight. */
const KILL_AFTER = 300;

/**
 * kill -9 while submissions stream in: every job the service acknowledged (201) exists after the
 * restart, and a client that got no answer and retries with its Idempotency-Key, as the API asks,
 * ends up with exactly one job: none lost, none twice, no index entry without its record.
 */
describe('crash during intake: kill -9 with submissions in flight', () => {
  const suite = useServiceProcess(4734);
  const { service } = suite;
  const keys = new RedisKeys(suite.prefix);
  const deadline = DateTime.utc().plus({ days: 2 }).toISO();
  const body = (key: string) => JSON.stringify({ name: key, gpus: 1, runtimeHours: 1, deadline });
  const submit = (key: string) =>
    fetch(`${service.url}/v1/jobs`, {
      method: 'POST',
      headers: { ...ALPHA, 'content-type': 'application/json', 'idempotency-key': key },
      body: body(key),
    });

  it('keeps every acknowledged job, and a retried unanswered one is stored once', async () => {
    const { redis } = suite;
    await service.start();
    const acknowledged = new Map<string, string>(); // idempotency key → job id
    const unanswered = new Set<string>();
    const otherAnswers: string[] = [];
    const killing = (async () => {
      while (acknowledged.size < KILL_AFTER) await new Promise((r) => setTimeout(r, 5));
      await service.kill();
    })();
    await Promise.all(
      Array.from({ length: SUBMITTERS }, async (_, w) => {
        // Each submitter goes on until a request of its own fails: every one sees the crash.
        for (let i = 0; ; i++) {
          const key = `intake-${w}-${i}`;
          try {
            const res = await submit(key);
            if (res.status === 201) acknowledged.set(key, ((await res.json()) as { id: string }).id);
            else otherAnswers.push(`${key}: ${res.status}`);
          } catch {
            unanswered.add(key); // the connection died with the process, or found none
            break;
          }
        }
      }),
    );
    await killing;
    const acknowledgedBeforeKill = acknowledged.size;
    expect(otherAnswers).toEqual([]);
    expect(unanswered.size).toBe(SUBMITTERS);

    await service.start();
    for (const [key, id] of acknowledged) {
      const res = await fetch(`${service.url}/v1/jobs/${id}`, { headers: ALPHA });
      expect(`${key}: ${res.status}`).toBe(`${key}: 200`);
    }
    // The client's side of the contract: retry with the same key until answered (409 while the
    // killed request's claim lapses, as Retry-After says).
    let replayed = 0;
    for (const key of unanswered) {
      for (;;) {
        const res = await submit(key);
        if (res.status === 409) {
          await new Promise((r) => setTimeout(r, Number(res.headers.get('retry-after') ?? 1) * 1000));
          continue;
        }
        expect(`${key}: ${res.status}`).toMatch(/: 20[01]$/);
        if (res.headers.get('idempotent-replayed') === 'true') replayed++;
        acknowledged.set(key, ((await res.json()) as { id: string }).id);
        break;
      }
    }

    // One job per key, and every indexed job has its record.
    const ids = await redis.zrange(keys.tenantJobs('alpha'), '0', '-1');
    expect(new Set(acknowledged.values()).size).toBe(acknowledged.size);
    expect(ids.sort()).toEqual([...acknowledged.values()].sort());
    const records = await Promise.all(ids.map((id) => redis.exists(keys.job(id))));
    expect(records.filter((n) => n === 0)).toHaveLength(0);
    console.log(
      `intake crash: killed once ${KILL_AFTER} were acknowledged (${acknowledgedBeforeKill} by the time it died); ` +
        `${unanswered.size} requests in flight got no answer, ` +
        `${replayed} of them had been stored (replayed on retry), ` +
        `the rest stored on retry; ${acknowledged.size} jobs, one per key, all readable`,
    );
  }, 180_000);
});
