import { jest } from '@jest/globals';
import type { Redis } from 'ioredis';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SlurmExecutorConfig } from '../../src/config/westwind-config.js';
import type { ExecutorOrder } from '../../src/execution/executors/site-executor.js';
import { isFinished, slurmComment, slurmJobName } from '../../src/execution/executors/slurm/slurm-queue.js';
import { SlurmExecutor } from '../../src/execution/executors/slurm/slurm.executor.js';
import { RedisKeys } from '../../src/redis/redis-keys.js';
import { until } from '../support/execution.js';
import { SLURM_CONF, slurmCli, slurmJobsOf } from '../support/slurm.js';
import { describeSlurm, SLURM_SITE as SITE, TRAIN_SCRIPT } from '../support/slurm-app.js';
import { connectTestRedis, deleteKeys, testPrefix } from '../support/test-app.js';

const JOBS = 8;

/**
 * The Slurm executor on its own against the real cluster: actions that arrive together are carried out
 * as one batch (one squeue for all their jobs, one scontrol per verb over a job list), an action sent
 * twice acts once (by its action id, even after the job moved on), and when Slurm refuses one job of a
 * batch command the others are still done and the refused one fails alone with Slurm's reason.
 */
describeSlurm('SLURM BATCH E2E')('Slurm actions in batches (the executor against the real cluster)', () => {
  const prefix = testPrefix();
  const workdir = mkdtempSync(join(tmpdir(), 'westwind-slurm-batch-'));
  const ids = Array.from({ length: JOBS }, () => randomUUID());
  /** A job Slurm may not requeue (submitted by hand with --no-requeue, named and described as Westwind's). */
  const stubborn = randomUUID();
  let redis: Redis;
  let site: SlurmExecutor;
  let run: jest.SpiedFunction<SlurmExecutor['cli']['run']>;

  const order = (jobId: string, action: ExecutorOrder['action'], actionId = `${jobId}.v1.s0.${action}`) =>
    ({
      actionId,
      action,
      jobId,
      site: SITE,
      planVersion: 1,
      segment: 0,
      job: {
        name: 'batch',
        gpus: 1,
        runtimeHours: 1,
        doneHours: 0,
        checkpointMinutes: 10,
        slurm: { script: TRAIN_SCRIPT, workdir, environment: { TRAIN_STEPS: '100000' } },
      },
      at: new Date().toISOString(),
    }) satisfies ExecutorOrder;
  /** The commands the executor ran since the spy was last cleared, as `command verb`. */
  const commands = () => run.mock.calls.map(([command, args]) => `${command} ${args[0]}`);
  const states = async (jobIds: string[]) =>
    (await Promise.all(jobIds.map(slurmJobsOf))).map((jobs) => jobs.filter((j) => !isFinished(j)));

  beforeAll(async () => {
    redis = await connectTestRedis();
    const config = Object.assign(new SlurmExecutorConfig(), {
      slurmConf: SLURM_CONF,
      partition: 'gpu',
      timeoutMs: 15_000,
    });
    site = new SlurmExecutor(SITE, config, redis, new RedisKeys(prefix));
    run = jest.spyOn(site.cli, 'run');
  });
  afterAll(async () => {
    for (const id of [...ids, stubborn])
      for (const job of await slurmJobsOf(id)) if (!isFinished(job)) await slurmCli.run('scancel', [String(job.id)]);
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });

  it('submits, starts and pauses many jobs in one command each; a job Slurm refuses fails alone', async () => {
    // Submitted held: one squeue for all (nothing there yet), one sbatch each; again: found, nothing submitted.
    const submissions = ids.map((jobId) => ({ jobId, name: 'batch', gpus: 1, slurm: order(jobId, 'start').job.slurm }));
    const submitted = await site.submitAll(submissions);
    expect(submitted.every((s) => !(s instanceof Error) && s.held)).toBe(true);
    expect(commands()).toEqual(['squeue --noheader', ...ids.map(() => 'sbatch --parsable')]);
    run.mockClear();
    expect((await site.submitAll(submissions)).map((s) => (s as { id: number }).id)).toEqual(
      submitted.map((s) => (s as { id: number }).id),
    );
    expect(commands()).toEqual(['squeue --noheader']);

    // A job Westwind's commands will find as one of its own, which Slurm refuses to requeue.
    execFileSync(
      'sbatch',
      [
        '--parsable',
        '--hold',
        '--no-requeue',
        `--job-name=${slurmJobName(stubborn)}`,
        `--comment=${slurmComment(stubborn, SITE, 'stubborn')}`,
        '--partition=gpu',
        '--gres=gpu:1',
        `--chdir=${workdir}`,
        '--wrap=sleep 600',
      ],
      { env: { PATH: process.env.PATH, SLURM_CONF }, encoding: 'utf8' },
    );
    const all = [...ids, stubborn];

    // Started together: one squeue, one StartTime=now and one release over every job list.
    run.mockClear();
    await Promise.all(all.map((id) => site.perform(order(id, 'start'))));
    expect(commands().sort()).toEqual(['scontrol release', 'scontrol update', 'squeue --noheader']);
    const released = run.mock.calls.find(([, args]) => args[0] === 'release')![1][1].split(',');
    expect(released).toHaveLength(all.length);
    await until(
      () => states(all),
      (jobs) => jobs.every((live) => live.length === 1 && live[0].state === 'RUNNING'),
      60_000,
    );

    // Paused together, each pause sent twice: one requeuehold over the nine jobs (each once); Slurm refuses
    // the stubborn one, so each job is looked at again on its own: the eight are held, the ninth fails.
    run.mockClear();
    const pauses = all.flatMap((id) => [order(id, 'pause'), order(id, 'pause')]);
    const outcomes = await Promise.allSettled(pauses.map((o) => site.perform(o)));
    const batch = run.mock.calls.filter(([, args]) => args[0] === 'requeuehold');
    expect(batch[0][1][1].split(',')).toHaveLength(all.length);
    const refused = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(refused).toHaveLength(2); // the stubborn job's two pauses
    expect(outcomes.slice(-2).every((o) => o.status === 'rejected')).toBe(true);
    expect(String(refused[0].reason.message)).toMatch(
      /^pause at west-hub: scontrol requeuehold: Requested operation is presently disabled for job \d+/,
    );
    const held = await until(
      () => states(ids),
      (jobs) => jobs.every((live) => live.length === 1 && live[0].held),
      60_000,
    );
    expect(held.flat().map((j) => j.reason)).toEqual(ids.map(() => 'job requeued in held state'));
    expect((await states([stubborn]))[0][0].state).toBe('RUNNING');

    // Sent again once held (the same action ids): carried out already, so not even a squeue. The
    // action ids are on the site's record in Redis; a pause with a new id reads Slurm and does nothing.
    run.mockClear();
    await Promise.all(ids.map((id) => site.perform(order(id, 'pause'))));
    expect(commands()).toEqual([]);
    expect(await site.hasCarriedOut(order(ids[0], 'pause').actionId)).toBe(true);
    await Promise.all(ids.map((id) => site.perform(order(id, 'pause', `${id}.v2.s0.pause`))));
    expect(commands()).toEqual(['squeue --noheader']);

    // An action acts once even when the job has moved on since: resumed, the first job runs again;
    // its first pause delivered again (a late retry) pauses nothing, by its action id.
    await site.perform(order(ids[0], 'resume', `${ids[0]}.v3.s1.resume`));
    await until(
      () => states([ids[0]]),
      ([live]) => live.length === 1 && live[0].state === 'RUNNING',
      60_000,
    );
    run.mockClear();
    await site.perform(order(ids[0], 'pause'));
    expect(commands()).toEqual([]);
    expect((await states([ids[0]]))[0].map((j) => [j.state, j.held])).toEqual([['RUNNING', false]]);

    // Cancelled together: one scancel for all.
    run.mockClear();
    await Promise.all(all.map((id) => site.perform(order(id, 'cancel', `${id}.v0.s-1.cancel`))));
    expect(run.mock.calls.map(([command]) => command).sort()).toEqual(['scancel', 'squeue']);
    expect(run.mock.calls.find(([command]) => command === 'scancel')![1]).toHaveLength(all.length);
    await until(
      () => states(all),
      (jobs) => jobs.every((live) => live.length === 0),
      30_000,
    );
  }, 180_000);
});
