import request from 'supertest';
import type { StateChange } from '../../src/domain/jobs/job.js';
import { DispatchQueues } from '../../src/execution/dispatch-queues.js';
import { isFinished } from '../../src/execution/executors/slurm/slurm-queue.js';
import { getJob, postWestForecast, submit, until } from '../support/execution.js';
import { slurmJobsOf } from '../support/slurm.js';
import { describeSlurm, SLURM_SITE as SITE, states, TRAIN_SCRIPT, useSlurmApp, utc } from '../support/slurm-app.js';
import { startCtld, stopCtld } from '../support/slurm-daemons.js';
import { ALPHA } from '../support/test-app.js';

/**
 * slurmctld stopped for 30 s under a running Westwind (the fault stage: one suite at a time, so no other
 * Slurm suite sees the outage): what it could not do meanwhile is retried with backoff, nothing is lost.
 */
describeSlurm('SLURM CTLD OUTAGE FAULT TEST')('a Slurm site whose slurmctld stops for 30 s', () => {
  // Eight attempts from 1 s, doubling: over two minutes of retries, so a 30 s outage is ridden out.
  const ctx = useSlurmApp('2026-03-02T02:00:00Z', 60, { attempts: 8, backoffMs: 1000 });
  const slurmJob = (env: Record<string, string>) => ({
    script: TRAIN_SCRIPT,
    workdir: ctx.workdir,
    environment: env,
  });
  const submitSlurm = async (job: Record<string, unknown>) => {
    const id = await submit(ctx.t.app.getHttpServer(), { gpus: 1, sites: [SITE], deferrable: false, ...job });
    ctx.submitted.push(id);
    return id;
  };
  /** How many times the dispatch queue tried the job's `action` and failed (retries so far). */
  const failedAttempts = async (jobId: string, action: string) => {
    const queue = ctx.t.app.get(DispatchQueues).forSite(SITE);
    const jobs = await queue.getJobs(['delayed', 'waiting', 'active', 'completed', 'failed']);
    return jobs
      .filter((j) => j?.data.jobId === jobId && j.data.action === action)
      .reduce((n, j) => n + j.attemptsMade, 0);
  };

  it('retries what it could not do while slurmctld was down, loses nothing, and does it once back', async () => {
    const http = ctx.t.app.getHttpServer();
    await postWestForecast(http, utc('2026-03-02T02:00:00Z'), 48, () => 1000, utc('2026-03-02T02:00:00Z'));
    const running = await submitSlurm({
      name: 'to-cancel',
      runtimeHours: 4,
      deadline: '2026-03-04T00:00:00Z',
      slurm: slurmJob({ TRAIN_STEPS: '1000' }),
    });
    const [before] = await until(
      () => slurmJobsOf(running),
      (jobs) => jobs.some((j) => j.state === 'RUNNING'),
      60_000,
    );
    await until(
      () => getJob(http, running),
      (job) => job.state === 'running',
      30_000,
    );

    await stopCtld();
    const stoppedAt = Date.now();
    let fresh = '';
    try {
      // Two actions while Slurm cannot be reached: cancel the running job, start a new one.
      await request(http).delete(`/v1/jobs/${running}`).set(ALPHA).expect(200);
      fresh = await submitSlurm({
        name: 'submitted-in-outage',
        runtimeHours: 1,
        deadline: '2026-03-04T00:00:00Z',
        slurm: slurmJob({ TRAIN_STEPS: '2' }),
      });
      // Both fail against the stopped controller and wait to be tried again; neither fails the job.
      await until(
        () => failedAttempts(fresh, 'start'),
        (n) => n >= 1,
        90_000,
      );
      await until(
        () => failedAttempts(running, 'cancel'),
        (n) => n >= 1,
        90_000,
      );
      const remaining = 30_000 - (Date.now() - stoppedAt);
      if (remaining > 0) await new Promise((r) => setTimeout(r, remaining));
      const waiting = await getJob(http, fresh);
      expect(['queued', 'scheduled']).toContain(waiting.state);
      expect(waiting.history.some((h: StateChange) => h.to === 'failed')).toBe(false);
    } finally {
      await startCtld();
    }

    // Back: the cancel reaches Slurm (its job ran on under slurmd meanwhile), the new job is submitted
    // once and runs to completion.
    const cancelled = await until(
      () => slurmJobsOf(running),
      (jobs) => jobs.every(isFinished),
      150_000,
    );
    expect(cancelled.map((j) => [j.id, j.state])).toEqual([[before.id, 'CANCELLED']]);
    expect(states((await getJob(http, running)).history)).toEqual(['queued', 'scheduled', 'running', 'cancelled']);
    const done = await until(
      () => getJob(http, fresh),
      (job) => job.state === 'completed' || job.state === 'failed',
      150_000,
    );
    expect(states(done.history)).toEqual(['queued', 'scheduled', 'running', 'completed']);
    expect((await slurmJobsOf(fresh)).map((j) => j.state)).toEqual(['COMPLETED']);
  }, 420_000);
});

/**
 * slurmctld stopped for longer than the site's retries last: the action fails visibly (the job fails with
 * why, after its attempts), nothing is left behind in Slurm, and the other sites carry on meanwhile.
 */
describeSlurm('SLURM CTLD OUTAGE FAULT TEST')('a Slurm site whose slurmctld stays away past its retries', () => {
  // Two attempts 200 ms apart, each command given 5 s: the start gives up within seconds.
  const ctx = useSlurmApp('2026-03-02T02:00:00Z', 60, { attempts: 2, backoffMs: 200, timeoutMs: 5000 });

  it('fails the action with the reason on the job, and other sites carry on', async () => {
    const http = ctx.t.app.getHttpServer();
    await postWestForecast(http, utc('2026-03-02T02:00:00Z'), 48, () => 1000, utc('2026-03-02T02:00:00Z'));
    const job = (name: string, sites: string[], extra: Record<string, unknown> = {}) =>
      submit(http, {
        name,
        gpus: 1,
        sites,
        runtimeHours: 4,
        deadline: '2026-03-04T00:00:00Z',
        deferrable: false,
        ...extra,
      });

    await stopCtld();
    let lost = '';
    try {
      lost = await job('unreachable-slurm', [SITE], {
        slurm: { script: TRAIN_SCRIPT, workdir: ctx.workdir, environment: { TRAIN_STEPS: '2' } },
      });
      ctx.submitted.push(lost);
      // The simulated site east-edge, in the same zone and plan, while west-hub's controller is away.
      const elsewhere = await job('on-a-simulated-site', ['east-edge']);
      const failed = await until(
        () => getJob(http, lost),
        (j) => j.state === 'failed',
        120_000,
      );
      const reason: string = failed.history.at(-1).reason;
      expect(reason).toMatch(new RegExp(`^start at ${SITE} failed after 2 attempt\\(s\\): start at ${SITE}: `));
      expect(reason).toMatch(/Unable to contact slurm controller|no answer within 5000 ms/);
      expect(states(failed.history)).toEqual(['queued', 'scheduled', 'failed']);
      const carriedOn = await until(
        () => getJob(http, elsewhere),
        (j) => j.state === 'running',
        60_000,
      );
      expect(carriedOn.history.at(-1).reason).not.toMatch(/failed/);
    } finally {
      await startCtld();
    }
    // Back: nothing of the failed job in Slurm (it was never submitted).
    expect(await slurmJobsOf(lost)).toEqual([]);
    expect((await getJob(http, lost)).state).toBe('failed');
  }, 300_000);
});
