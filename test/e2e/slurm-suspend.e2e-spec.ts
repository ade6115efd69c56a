import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { isFinished } from '../../src/execution/executors/slurm/slurm-queue.js';
import { getJob, postWestForecast, submit, until } from '../support/execution.js';
import { slurmCli, slurmJobsOf } from '../support/slurm.js';
import {
  describeSlurm,
  SLURM_SITE as SITE,
  TRAIN_SCRIPT,
  useSlurmApp,
  utc,
  wentThrough,
} from '../support/slurm-app.js';
import { ALPHA } from '../support/test-app.js';

describeSlurm('SLURM SUSPEND E2E')(
  'a Slurm site in pause mode suspend (virtual clock, one hour per ten seconds)',
  () => {
    // Zone west's peak is 09:00–14:00 UTC; wind 07:00–09:00 and 14:00–16:00. Start-up has three hours' slack. At
    // 720× (an hour per five seconds) a clean-clone CI run with a busy core once saw the job paused, resumed and
    // paused again before its peak pause was looked at; the cause is not known (the history now prints each change's
    // reason where it differs), and half the speed gives the loop twice the real time per simulated hour.
    const ctx = useSlurmApp('2026-03-02T04:00:00Z', 360, { pauseMode: 'suspend', attempts: 5 });

    it('suspends the job at the peak (SUSPENDED, processes stopped, GPUs kept); it continues after', async () => {
      const http = ctx.t.app.getHttpServer();
      await postWestForecast(
        http,
        utc('2026-03-02T04:00:00Z'),
        50,
        (at) => ((at.hour >= 7 && at.hour < 9) || (at.hour >= 14 && at.hour < 16) ? 1000 : 0),
        utc('2026-03-02T04:00:00Z'),
      );
      // The script checkpoints every step: the checkpoint file is its progress. Long enough never to end by itself.
      const id = await submit(http, {
        name: 'suspend-me',
        gpus: 2,
        sites: [SITE],
        runtimeHours: 3,
        checkpointMinutes: 10,
        deadline: '2026-03-02T18:00:00Z',
        deferrable: true,
        slurm: {
          script: TRAIN_SCRIPT,
          workdir: ctx.workdir,
          environment: { TRAIN_STEPS: '100000', TRAIN_CHECKPOINT_EVERY: '1' },
        },
      });
      ctx.submitted.push(id);
      const progress = () => Number(readFileSync(join(ctx.workdir, `checkpoint-${id}`), 'utf8').trim() || 0);

      const [suspended] = await until(
        () => slurmJobsOf(id),
        (jobs) => jobs.length === 1 && jobs[0].state === 'SUSPENDED',
        90_000,
      );
      const paused = await until(
        () => getJob(http, id),
        (job) => job.state === 'paused',
        30_000,
      );
      expect(paused.history).toEqual(wentThrough('queued', 'scheduled', 'running', 'paused'));
      expect(ctx.clock.now() >= utc('2026-03-02T09:00:00Z')).toBe(true);
      // Stopped, not gone: the step count stands still (a moment first, for slurmd to deliver the SIGSTOP).
      await new Promise((r) => setTimeout(r, 2_000));
      const atStop = progress();
      await new Promise((r) => setTimeout(r, 3_000));
      expect(progress()).toBe(atStop);
      // Its GPUs stay allocated while suspended (unlike requeue).
      const gres = await slurmCli.run('squeue', ['--noheader', `--jobs=${suspended.id}`, '--format=%b|%T']);
      expect(gres.trim()).toMatch(/gpu.*\|SUSPENDED$/);

      // After the peak: resumed in place (the same Slurm job and process, no requeue, no restart), and it goes on.
      await until(
        () => slurmJobsOf(id),
        (jobs) => jobs.length === 1 && jobs[0].state === 'RUNNING',
        90_000,
      );
      const resumed = await until(
        () => getJob(http, id),
        (job) => job.state === 'running',
        30_000,
      );
      expect(resumed.history).toEqual(wentThrough('queued', 'scheduled', 'running', 'paused', 'running'));
      expect(utc(resumed.history.at(-1).at) >= utc('2026-03-02T14:00:00Z')).toBe(true);
      await until(
        () => Promise.resolve(progress()),
        (step) => step > atStop + 2,
        30_000,
      );
      const log = readFileSync(join(ctx.workdir, `slurm-${suspended.id}.out`), 'utf8');
      expect(log).not.toContain('SIGTERM');
      expect(log).not.toContain('resumed from checkpoint');
      expect((await slurmJobsOf(id)).map((j) => j.id)).toEqual([suspended.id]);

      await request(http).delete(`/v1/jobs/${id}`).set(ALPHA).expect(200);
      const after = await until(
        () => slurmJobsOf(id),
        (jobs) => jobs.every(isFinished),
      );
      expect(after.map((j) => j.state)).toEqual(['CANCELLED']);
    }, 240_000);
  },
);
