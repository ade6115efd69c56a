import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import request from 'supertest';
import { RedisKeys } from '../../src/redis/redis-keys.js';
import { getJob, postWestForecast, submit, until } from '../support/execution.js';
import { slurmJobsOf } from '../support/slurm.js';
import { describeSlurm, SLURM_SITE as SITE, states, useSlurmApp, utc } from '../support/slurm-app.js';
import { ALPHA } from '../support/test-app.js';

/**
 * The batch script reports its own progress (docs/slurm.md, "Progress and checkpoints"): with the
 * documented curl line, its WESTWIND_EVENTS_URL and WESTWIND_EVENTS_TOKEN. Writes what it saw and the
 * HTTP status of its checkpoint report, leaves its token where the test reads it, and runs until the
 * test lets it finish (a `stop` file).
 */
const REPORTING_SCRIPT = `#!/bin/bash
set -u
echo "job \${WESTWIND_JOB_ID} at \${WESTWIND_SITE}, reporting to \${WESTWIND_EVENTS_URL}"
report() {
  curl -sS -o /dev/null -w '%{http_code}' -X POST "$WESTWIND_EVENTS_URL" \\
    -H "Authorization: Bearer $WESTWIND_EVENTS_TOKEN" -H 'Content-Type: application/json' -d "$1"
}
# Released before Westwind has recorded the start: 409 (not running yet), asked again.
for _ in $(seq 1 120); do
  code="$(report '{"type":"checkpointed","doneHours":0.25}')"
  [ "$code" = 409 ] || break
  sleep 0.5
done
echo "checkpoint reported: $code"
echo "$WESTWIND_EVENTS_TOKEN" > "token-$WESTWIND_JOB_ID"
for _ in $(seq 1 600); do [ -e "stop-$WESTWIND_JOB_ID" ] && break; sleep 0.5; done
echo finished
`;

/** west-hub's agent key: a site's agent reports on any of its jobs, as before. */
const AGENT_KEY = 'west-agent-key-00000001';

/** A port free now, for the app to listen on (its URL goes into the site's config before the app starts). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describeSlurm('SLURM EVENTS E2E')('a Slurm batch script reporting its progress with its own job token', () => {
  const executor: Record<string, unknown> = {};
  let base = '';
  beforeAll(async () => {
    base = `http://127.0.0.1:${await freePort()}`;
    executor.apiUrl = base;
  });
  const ctx = useSlurmApp('2026-03-02T02:00:00Z', 60, executor, (config) => {
    config.sites.find((s) => s.id === SITE)!.agentKeys = [AGENT_KEY];
  });

  it('gets WESTWIND_JOB_ID, a URL and a token good for its own progress and checkpoints only', async () => {
    await ctx.t.app.listen(Number(new URL(base).port), '127.0.0.1');
    const http = ctx.t.app.getHttpServer();
    await postWestForecast(http, utc('2026-03-02T02:00:00Z'), 48, () => 1000, utc('2026-03-02T02:00:00Z'));
    const submitReporting = async (name: string) => {
      const id = await submit(http, {
        name,
        gpus: 1,
        sites: [SITE],
        runtimeHours: 2,
        deadline: '2026-03-04T00:00:00Z',
        deferrable: false,
        slurm: { script: REPORTING_SCRIPT, workdir: ctx.workdir },
      });
      ctx.submitted.push(id);
      return id;
    };
    const [id, peer] = [await submitReporting('reports-itself'), await submitReporting('its-peer')];
    const tokenFile = (jobId: string) => join(ctx.workdir, `token-${jobId}`);
    await until(
      () => [id, peer].every((jobId) => existsSync(tokenFile(jobId))),
      (both) => both,
      60_000,
    );
    const [slurmJob] = await slurmJobsOf(id);
    const output = readFileSync(join(ctx.workdir, `slurm-${slurmJob.id}.out`), 'utf8');
    expect(output).toContain(`job ${id} at ${SITE}, reporting to ${base}/v1/jobs/${id}/events`);
    // The documented curl line, from the job: taken.
    expect(output).toContain('checkpoint reported: 200');
    const reported = await getJob(http, id);
    expect(reported.state).toBe('running');
    expect(reported.run.checkpointedHours).toBe(0.25);

    const token = readFileSync(tokenFile(id), 'utf8').trim();
    expect(token).toMatch(/^wwjob_[A-Za-z0-9_-]{43}$/);
    // Only its digest is kept, beside the site that issued it.
    const stored = await ctx.t.redis.hgetall(new RedisKeys(ctx.t.prefix).jobEventToken(id));
    expect(stored.site).toBe(SITE);
    expect(JSON.stringify(stored)).not.toContain(token);
    const post = (jobId: string, body: Record<string, unknown>, key = token) =>
      request(http).post(`/v1/jobs/${jobId}/events`).set('authorization', `Bearer ${key}`).send(body);

    // Good for its own progress and checkpoints,
    expect((await post(id, { type: 'progress', doneHours: 0.5 }).expect(200)).body.run.doneHours).toBe(0.5);
    // not for another job (the peer runs at the same site),
    const other = await post(peer, { type: 'progress', doneHours: 0.5 }).expect(401);
    expect(other.body.detail).toMatch(/not this job's events token/);
    // not for completion or failure, which come from Slurm's record,
    const completed = await post(id, { type: 'completed' }).expect(403);
    expect(completed.body.detail).toMatch(/reports progress and checkpointed/);
    await post(id, { type: 'failed', reason: 'made up' }).expect(403);
    // and a token that is not one, or the peer's token on this job, is refused.
    await post(id, { type: 'progress', doneHours: 0.5 }, `wwjob_${'A'.repeat(43)}`).expect(401);
    const peerToken = readFileSync(tokenFile(peer), 'utf8').trim();
    await post(id, { type: 'progress', doneHours: 0.5 }, peerToken).expect(401);
    await post(peer, { type: 'checkpointed', doneHours: 0.1 }, peerToken).expect(200);
    // The site's agent keys work as before, on any job of the site; a tenant's key is no agent's.
    await post(peer, { type: 'progress', doneHours: 0.2 }, AGENT_KEY).expect(200);
    await post(peer, { type: 'progress', doneHours: 0.2 }, ALPHA.authorization.slice('Bearer '.length)).expect(403);

    // Let both finish: completed from Slurm's record; once Slurm's job has ended too, the token stops working.
    for (const jobId of [id, peer]) writeFileSync(join(ctx.workdir, `stop-${jobId}`), '');
    const done = await until(
      () => getJob(http, id),
      (job) => job.state === 'completed',
      60_000,
    );
    expect(states(done.history)).toEqual(['queued', 'scheduled', 'running', 'completed']);
    await until(
      async () => (await post(id, { type: 'progress', doneHours: 1 })).status,
      (status) => status === 401,
      30_000,
    );
    expect(await ctx.t.redis.exists(new RedisKeys(ctx.t.prefix).jobEventToken(id))).toBe(0);
  }, 180_000);
});
