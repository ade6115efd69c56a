import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SlurmExecutorConfig } from '../../src/config/westwind-config.js';
import type { ExecutorOrder } from '../../src/execution/executors/site-executor.js';
import { isFinished } from '../../src/execution/executors/slurm/slurm-queue.js';
import { SlurmExecutor } from '../../src/execution/executors/slurm/slurm.executor.js';
import { RedisKeys } from '../../src/redis/redis-keys.js';
import { until } from '../support/execution.js';
import { SLURM_CONF, slurmCli, slurmJobsOf } from '../support/slurm.js';
import { describeSlurm, TRAIN_SCRIPT } from '../support/slurm-app.js';
import { connectTestRedis, deleteKeys, testPrefix } from '../support/test-app.js';

/**
 * A job paused at one Slurm site and resumed at another: two Westwind sites on the throwaway cluster
 * (their jobs told apart by the comment naming the site), the checkpoint on storage both reach.
 */
describeSlurm('SLURM MOVE E2E')('a Slurm job resumed at another Slurm site (the executors on the real cluster)', () => {
  const prefix = testPrefix();
  const workdir = mkdtempSync(join(tmpdir(), 'westwind-slurm-move-'));
  const jobId = randomUUID();
  let redis: Redis;
  const siteOf = (site: string) =>
    new SlurmExecutor(
      site,
      Object.assign(new SlurmExecutorConfig(), { slurmConf: SLURM_CONF, partition: 'gpu', timeoutMs: 15_000 }),
      redis,
      new RedisKeys(prefix),
    );
  const order = (site: string, action: ExecutorOrder['action'], segment: number): ExecutorOrder => ({
    actionId: `${jobId}.v${segment + 1}.s${segment}.${action}`,
    action,
    jobId,
    site,
    planVersion: segment + 1,
    segment,
    job: {
      name: 'moves',
      gpus: 1,
      runtimeHours: 1,
      doneHours: 0,
      checkpointMinutes: 10,
      slurm: {
        script: TRAIN_SCRIPT,
        workdir,
        environment: { TRAIN_STEPS: '12', TRAIN_STEP_SECONDS: '1', TRAIN_CHECKPOINT_EVERY: '2' },
      },
    },
    at: new Date().toISOString(),
  });
  const output = (slurmId: number) => readFileSync(join(workdir, `slurm-${slurmId}.out`), 'utf8');

  beforeAll(async () => {
    redis = await connectTestRedis();
  });
  afterAll(async () => {
    for (const job of await slurmJobsOf(jobId)) if (!isFinished(job)) await slurmCli.run('scancel', [String(job.id)]);
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });

  it('is requeue-held at the first, submitted and released at the second, resumes from its checkpoint', async () => {
    const [north, south] = [siteOf('west-hub'), siteOf('east-edge')];
    await north.perform(order('west-hub', 'start', 0));
    const checkpoint = join(workdir, `checkpoint-${jobId}`);
    await until(
      () => existsSync(checkpoint),
      (written) => written,
      60_000,
    );
    await north.perform(order('west-hub', 'pause', 0));
    const [held] = await until(
      () => slurmJobsOf(jobId),
      (jobs) => jobs.length === 1 && jobs[0].held,
      60_000,
    );
    const term = await until(
      () => /SIGTERM at step (\d+): checkpoint written/.exec(output(held.id)),
      (match) => match !== null,
      30_000,
    );

    // Resumed at the other site: the first site's held job is not its own, so it submits one there.
    await south.perform(order('east-edge', 'resume', 1));
    const jobs = await until(
      () => slurmJobsOf(jobId),
      (list) => list.length === 2 && list[1].state === 'RUNNING',
      60_000,
    );
    expect(jobs[1].comment).toMatch(new RegExp(`^westwind job ${jobId} at east-edge: moves`));
    expect(jobs[0].comment).toMatch(new RegExp(`^westwind job ${jobId} at west-hub: moves`));
    // Each site sees only its own Slurm job.
    expect((await north.find(jobId))?.id).toBe(held.id);
    expect((await south.find(jobId))?.id).toBe(jobs[1].id);
    // The job left the first site: its held Slurm job goes (what the poll does for a job resumed elsewhere).
    await north.cancel(jobId);

    const ended = await until(
      () => slurmJobsOf(jobId),
      (list) => list.every(isFinished),
      60_000,
    );
    expect(ended.map((j) => j.state)).toEqual(['CANCELLED', 'COMPLETED']);
    const second = output(jobs[1].id);
    expect(second).toContain(`resumed from checkpoint at step ${term![1]}`);
    expect(second).toContain('finished 12 steps');
  }, 180_000);
});
