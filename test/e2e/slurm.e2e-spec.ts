import { mkdirSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import request from 'supertest';
import type { StateChange } from '../../src/domain/jobs/job.js';
import { isFinished } from '../../src/execution/executors/slurm/slurm-queue.js';
import { launchChromium } from '../support/browser.js';
import { getJob, postWestForecast, submit, until } from '../support/execution.js';
import { slurmCli, slurmJobsOf } from '../support/slurm.js';
import { describeSlurm, SLURM_SITE as SITE, trainJob, useSlurmApp, utc, wentThrough } from '../support/slurm-app.js';
import { ALPHA } from '../support/test-app.js';

const entered = (history: StateChange[], state: string, nth = 0) => utc(history.filter((h) => h.to === state)[nth].at);

describeSlurm('SLURM E2E')(
  'a Slurm site driven against a real slurmctld and slurmd (virtual clock, one hour per five seconds)',
  () => {
    // Zone west's peak is 17:00–22:00 Asia/Shanghai = 09:00–14:00 UTC. The clock starts three hours before the
    // first windy hour: the app's start-up on a loaded machine must not eat the wait for the planned start.
    const ctx = useSlurmApp('2026-03-02T04:00:00Z', 720, { attempts: 5 });
    const clock = { now: () => ctx.clock.now() };

    const slurmJob = (env: Record<string, string>, extra: Record<string, unknown> = {}) =>
      trainJob(ctx.workdir, env, extra);
    const submitSlurm = async (job: Record<string, unknown>) => {
      const id = await submit(ctx.t.app.getHttpServer(), { gpus: 2, sites: [SITE], ...job });
      ctx.submitted.push(id);
      return id;
    };
    const output = (slurmId: number) => readFileSync(join(ctx.workdir, `slurm-${slurmId}.out`), 'utf8');

    beforeAll(async () => {
      // Wind only before and after the peak, each day: running in the peak would draw from the grid.
      await postWestForecast(
        ctx.t.app.getHttpServer(),
        utc('2026-03-02T04:00:00Z'),
        50,
        (at) => ((at.hour >= 7 && at.hour < 9) || (at.hour >= 14 && at.hour < 16) ? 1000 : 0),
        utc('2026-03-02T04:00:00Z'),
      );
    });

    it('deferrable: held to its start, requeue-held at the peak, completes; non-deferrable runs through', async () => {
      const http = ctx.t.app.getHttpServer();
      const deferrable = await submitSlurm({
        // Three hours: the two windy hours before the peak and one after (07:00–09:00, 14:00–15:10 with the restore).
        // The script's 13 one-second steps outlast the 10 s until the peak and end soon after the resume.
        name: 'night-wind',
        runtimeHours: 3,
        checkpointMinutes: 10,
        deadline: '2026-03-02T18:00:00Z',
        deferrable: true,
        slurm: slurmJob({ TRAIN_STEPS: '13', TRAIN_STEP_SECONDS: '1' }),
      });
      const steady = await submitSlurm({
        name: 'urgent',
        runtimeHours: 1,
        deadline: '2026-03-03T04:00:00Z',
        deferrable: false,
        slurm: slurmJob({ TRAIN_STEPS: '3', TRAIN_STEP_SECONDS: '1' }),
      });

      // Submitted held ahead of its start, with a comment naming Westwind, the job and the planned start.
      const comment = `westwind job ${deferrable} at ${SITE}: night-wind; planned start 2026-03-02T07:00:00.000Z`;
      const [held] = await until(
        () => slurmJobsOf(deferrable),
        (jobs) => jobs.length === 1 && jobs[0].held && jobs[0].comment === comment,
        10_000,
      );
      const seenAt = clock.now();
      expect(seenAt < utc('2026-03-02T07:00:00Z')).toBe(true);
      expect(held.state).toBe('PENDING');
      // The job's GET shows its Slurm job beside Westwind's state (pending held, or already released by now).
      const shown = await until(
        () => getJob(http, deferrable),
        (job) => job.slurmJob?.id === held.id,
        10_000,
      );
      expect(shown.slurmJob.site).toBe(SITE);
      expect(['PENDING', 'RUNNING']).toContain(shown.slurmJob.state);

      const [d, s] = await until(
        () => Promise.all([getJob(http, deferrable), getJob(http, steady)]),
        ([a, b]) => a.state === 'completed' && b.state === 'completed',
        90_000,
      );
      expect(d.history).toEqual(wentThrough('queued', 'scheduled', 'running', 'paused', 'running', 'completed'));
      expect(entered(d.history, 'running') >= utc('2026-03-02T07:00:00Z')).toBe(true);
      expect(entered(d.history, 'paused').diff(utc('2026-03-02T09:00:00Z'), 'minutes').minutes).toBeLessThan(20);
      expect(entered(d.history, 'running', 1) >= utc('2026-03-02T14:00:00Z')).toBe(true);
      expect(entered(d.history, 'completed') <= utc(d.deadline)).toBe(true);

      // Slurm's own record: one Slurm job (never submitted twice), completed; the script saw SIGTERM at the
      // peak, wrote its checkpoint, and its second run resumed from it.
      const slurmJobs = await slurmJobsOf(deferrable);
      expect(slurmJobs.map((j) => j.state)).toEqual(['COMPLETED']);
      // Slurm's end is on the record by the time Westwind reports it.
      expect(d.slurmJob).toEqual({
        site: SITE,
        id: slurmJobs[0].id,
        state: 'COMPLETED',
        held: false,
        seenAt: expect.any(String),
      });
      const log = output(slurmJobs[0].id);
      const term = /SIGTERM at step (\d+): checkpoint written \(run 0\)/.exec(log);
      expect(term).not.toBeNull();
      expect(Number(term![1])).toBeGreaterThan(0);
      expect(log).toContain(`resumed from checkpoint at step ${term![1]} (run 1)`);
      expect(log).toContain('finished 13 steps');
      expect(readFileSync(join(ctx.workdir, `checkpoint-${deferrable}`), 'utf8').trim()).toBe('13');

      expect(s.history).toEqual(wentThrough('queued', 'scheduled', 'running', 'completed'));
      expect(entered(s.history, 'running') < utc('2026-03-02T07:00:00Z')).toBe(true); // it did not wait for the wind
      const steadySlurm = await slurmJobsOf(steady);
      expect(steadySlurm.map((j) => j.state)).toEqual(['COMPLETED']);
      expect(output(steadySlurm[0].id)).not.toContain('SIGTERM');
    }, 120_000);

    it('DELETE /v1/jobs/:id of a job held for a later start leaves no Slurm job behind', async () => {
      const http = ctx.t.app.getHttpServer();
      // Past 16:00 UTC the next wind is tomorrow at 07:00: the job waits, held in Slurm.
      await until(
        () => clock.now(),
        (now) => now >= utc('2026-03-02T16:00:00Z'),
        60_000,
      );
      const id = await submitSlurm({
        name: 'tomorrow',
        runtimeHours: 2,
        deadline: '2026-03-03T12:00:00Z',
        deferrable: true,
        slurm: slurmJob({ TRAIN_STEPS: '5' }),
      });
      await until(
        () => slurmJobsOf(id),
        (jobs) => jobs.length === 1 && jobs[0].held,
      );
      expect((await getJob(http, id)).state).toBe('scheduled');
      await request(http).delete(`/v1/jobs/${id}`).set(ALPHA).expect(200);
      const after = await until(
        () => slurmJobsOf(id),
        (jobs) => jobs.every(isFinished),
      );
      expect(after.map((j) => j.state)).toEqual(['CANCELLED']);
    }, 90_000);

    it('DELETE /v1/jobs/:id of a running job cancels its Slurm job', async () => {
      const http = ctx.t.app.getHttpServer();
      const id = await submitSlurm({
        name: 'called-off',
        runtimeHours: 2,
        deadline: '2026-03-04T00:00:00Z',
        deferrable: false,
        slurm: slurmJob({ TRAIN_STEPS: '1000' }),
      });
      await until(
        () => slurmJobsOf(id),
        (jobs) => jobs.some((j) => j.state === 'RUNNING'),
      );
      expect((await getJob(http, id)).state).toBe('running');
      await request(http).delete(`/v1/jobs/${id}`).set(ALPHA).expect(200);
      const after = await until(
        () => slurmJobsOf(id),
        (jobs) => jobs.every(isFinished),
      );
      expect(after.map((j) => j.state)).toEqual(['CANCELLED']);
      expect((await getJob(http, id)).state).toBe('cancelled');
      // The record follows the Slurm job to its end after Westwind's own (cancelled at once by DELETE).
      const shown = await until(
        () => getJob(http, id),
        (job) => job.slurmJob?.state === 'CANCELLED',
      );
      expect(shown.slurmJob.id).toBe(after[0].id);
    });

    it('a script that exits 1 marks the job failed with its exit code', async () => {
      const http = ctx.t.app.getHttpServer();
      const id = await submitSlurm({
        name: 'broken',
        runtimeHours: 1,
        deadline: '2026-03-04T00:00:00Z',
        deferrable: false,
        slurm: slurmJob({ TRAIN_STEPS: '1', TRAIN_EXIT_CODE: '1' }),
      });
      const failed = await until(
        () => getJob(http, id),
        (job) => job.state === 'failed',
      );
      const [slurm] = await slurmJobsOf(id);
      expect(slurm.state).toBe('FAILED');
      expect(failed.slurmJob).toMatchObject({ site: SITE, id: slurm.id, state: 'FAILED' });
      expect(failed.history.at(-1).reason).toBe(`failed at ${SITE}: Slurm job ${slurm.id} FAILED: exit code 1`);
    });

    it('a job its owner cancels in Slurm (scancel) is cancelled in Westwind', async () => {
      const http = ctx.t.app.getHttpServer();
      const id = await submitSlurm({
        name: 'owner-stops-it',
        runtimeHours: 2,
        deadline: '2026-03-04T00:00:00Z',
        deferrable: false,
        slurm: slurmJob({ TRAIN_STEPS: '1000' }),
      });
      const [running] = await until(
        () => slurmJobsOf(id),
        (jobs) => jobs.some((j) => j.state === 'RUNNING'),
      );
      await until(
        () => getJob(http, id),
        (job) => job.state === 'running',
      );
      await slurmCli.run('scancel', [String(running.id)]);
      const cancelled = await until(
        () => getJob(http, id),
        (job) => job.state === 'cancelled',
      );
      expect(cancelled.history.at(-1).reason).toBe(
        `cancelled at ${SITE}: Slurm job ${running.id} was cancelled in Slurm (scancel)`,
      );
      expect((await slurmJobsOf(id)).map((j) => j.state)).toEqual(['CANCELLED']);
    });

    it("the dashboard's job detail shows the Slurm job's id and state beside Westwind's, live", async () => {
      const http = ctx.t.app.getHttpServer();
      // Past the day's wind (the tests before end after 16:00): held in Slurm until tomorrow's 07:00.
      const id = await submitSlurm({
        name: 'on-the-dashboard',
        runtimeHours: 1,
        deadline: '2026-03-05T00:00:00Z',
        deferrable: true,
        slurm: slurmJob({ TRAIN_STEPS: '5' }),
      });
      const [held] = await until(
        () => slurmJobsOf(id),
        (jobs) => jobs.length === 1 && jobs[0].held,
      );
      await until(
        () => getJob(http, id),
        (job) => job.slurmJob?.id === held.id,
      );
      await ctx.t.app.listen(0, '127.0.0.1');
      const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
      const browser = await launchChromium();
      try {
        const page = await browser.newPage({ httpCredentials: { username: 'ops', password: 'ops-key-000000000001' } });
        await page.goto(`${base}/`);
        await page.locator('#live.on').waitFor();
        await page.locator(`#jobs tr[data-job-id="${id}"]`).click();
        const title = page.locator('#timeline h3');
        const heldTitle = `on-the-dashboard — scheduled · Slurm job ${held.id}: PENDING (held, JobHeldUser)`;
        await until(
          () => title.textContent(),
          (text) => text === heldTitle,
          10_000,
        );
        expect(await title.locator('.slurm-job').getAttribute('data-slurm-state')).toBe('PENDING');
        mkdirSync('test/artifacts', { recursive: true });
        await page.screenshot({ path: 'test/artifacts/dashboard-slurm.png', fullPage: true });

        // Cancelled: the detail follows without a reload, Westwind's state first, then Slurm's.
        await request(http).delete(`/v1/jobs/${id}`).set(ALPHA).expect(200);
        await until(
          () => title.textContent(),
          (text) => text?.startsWith(`on-the-dashboard — cancelled · Slurm job ${held.id}: CANCELLED`) ?? false,
          20_000,
        );
      } finally {
        await browser.close();
      }
    });
  },
);
