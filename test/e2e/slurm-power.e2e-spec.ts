import type { Redis } from 'ioredis';
import { DateTime } from 'luxon';
import { randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SlurmExecutorConfig } from '../../src/config/westwind-config.js';
import type { ExecutorOrder } from '../../src/execution/executors/site-executor.js';
import { isFinished, slurmJobName } from '../../src/execution/executors/slurm/slurm-queue.js';
import { SlurmExecutor } from '../../src/execution/executors/slurm/slurm.executor.js';
import { virtualClock } from '../../src/domain/time/clock.js';
import { RedisKeys } from '../../src/redis/redis-keys.js';
import { planAndDispatch, segment } from '../support/dispatched-plans.js';
import { getJob, submit, until } from '../support/execution.js';
import { SLURM_CONF, slurmCli, slurmJobsOf } from '../support/slurm.js';
import {
  cancelSlurmJobs,
  describeSlurm,
  SLURM_SITE as SITE,
  slurmConfigPath,
  TRAIN_SCRIPT,
} from '../support/slurm-app.js';
import { connectTestRedis, deleteKeys, startTestApp, type TestApp, testPrefix } from '../support/test-app.js';

/** Appends one line per call: its arguments, each followed by a tab. A harmless stand-in for nvidia-smi. */
const RECORDER = `#!/bin/sh
log="$1"
shift
{ for a in "$@"; do printf '%s\\t' "$a"; done; printf '\\n'; } >> "$log"
`;

/**
 * Power capping at a Slurm site (setPower): the site's powerCommand, run without a shell once per node
 * of the running job with its placeholders filled in, against the real cluster with a command that
 * records its arguments.
 */
describeSlurm('SLURM POWER E2E')('power caps at a Slurm site (the executor against the real cluster)', () => {
  const prefix = testPrefix();
  const workdir = mkdtempSync(join(tmpdir(), 'westwind-slurm-power-'));
  const recorder = join(workdir, 'record-power.sh');
  const log = join(workdir, 'power.log');
  /** Shell syntax in an argument: passed as it is, never run. */
  const hostile = `; touch ${join(workdir, 'pwned')} $(touch ${join(workdir, 'pwned2')})`;
  const jobId = randomUUID();
  let redis: Redis;
  const executor = (fields: Partial<SlurmExecutorConfig>) =>
    new SlurmExecutor(
      SITE,
      Object.assign(new SlurmExecutorConfig(), { slurmConf: SLURM_CONF, partition: 'gpu', timeoutMs: 15_000 }, fields),
      redis,
      new RedisKeys(prefix),
    );
  const order = (action: ExecutorOrder['action']): ExecutorOrder => ({
    actionId: `${jobId}.v1.s0.${action}`,
    action,
    jobId,
    site: SITE,
    planVersion: 1,
    segment: 0,
    job: {
      name: 'capped',
      gpus: 2,
      runtimeHours: 1,
      doneHours: 0,
      checkpointMinutes: 10,
      slurm: { script: TRAIN_SCRIPT, workdir, environment: { TRAIN_STEPS: '100000' } },
    },
    at: new Date().toISOString(),
  });
  const power = (actionId: string, powerFraction: number) => ({ actionId, jobId, powerFraction });
  const calls = () =>
    existsSync(log)
      ? readFileSync(log, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((line) => line.split('\t').slice(0, -1))
      : [];

  beforeAll(async () => {
    redis = await connectTestRedis();
    writeFileSync(recorder, RECORDER);
    chmodSync(recorder, 0o755);
  });
  afterAll(async () => {
    for (const job of await slurmJobsOf(jobId)) if (!isFinished(job)) await slurmCli.run('scancel', [String(job.id)]);
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });

  it('runs the power command per node with the cap filled in, once per action, only while the job runs', async () => {
    const site = executor({
      powerCommand: [recorder, log, '{node}', '-pl', '{watts}', '{fraction}', '{jobId}', '{slurmJobId}', hostile],
      gpuWatts: 700,
    });
    expect(site.capsPower).toBe(true);
    expect(executor({}).capsPower).toBe(false);
    await expect(executor({}).setPower(power('x', 0.5))).rejects.toThrow(
      `setPower at ${SITE}: no powerCommand configured, so this site does not cap power`,
    );

    await site.perform(order('start'));
    const [running] = await until(
      () => slurmJobsOf(jobId),
      (jobs) => jobs.length === 1 && jobs[0].state === 'RUNNING',
      60_000,
    );
    const node = (await slurmCli.run('squeue', ['--noheader', `--name=${slurmJobName(jobId)}`, '--format=%N'])).trim();
    expect(node).not.toBe('');

    // Capped to 60%: 420 W of 700 per GPU, on the job's one node; every argument as it is, shell syntax too.
    await site.setPower(power(`${jobId}.v2.s0.setPower`, 0.6));
    expect(calls()).toEqual([[node, '-pl', '420', '0.6', jobId, String(running.id), hostile]]);
    expect(existsSync(join(workdir, 'pwned')) || existsSync(join(workdir, 'pwned2'))).toBe(false);
    // The same action again: carried out already, no command.
    await site.setPower(power(`${jobId}.v2.s0.setPower`, 0.6));
    expect(calls()).toHaveLength(1);
    // Lifted (a new action).
    await site.setPower(power(`${jobId}.v3.s0.setPower`, 1));
    expect(calls().map((args) => args[2])).toEqual(['420', '700']);

    // A command that fails: the action fails with the node and why, and is not recorded as done.
    const failing = executor({ powerCommand: ['/bin/sh', '-c', 'echo "no GPU here" >&2; exit 3'] });
    const failure = `${jobId}.v4.s0.setPower`;
    await expect(failing.setPower(power(failure, 0.5))).rejects.toThrow(
      `setPower at ${SITE}: power command failed on the job: /bin/sh: exit code 3: no GPU here`,
    );
    expect(await failing.hasCarriedOut(failure)).toBe(false);

    // Paused (requeue-held): nothing runs on the GPUs, nothing to cap; the order is taken.
    await site.perform(order('pause'));
    await until(
      () => slurmJobsOf(jobId),
      (jobs) => jobs.length === 1 && jobs[0].held,
      60_000,
    );
    await site.setPower(power(`${jobId}.v5.s0.setPower`, 0.5));
    expect(calls()).toHaveLength(2);
    await site.perform({ ...order('cancel'), actionId: `${jobId}.v0.s-1.cancel` });
  }, 120_000);
});

/**
 * The whole path: a plan that caps a running job at the Slurm site goes out as setPower through the
 * dispatch queue to the Slurm executor, whose power command (the recording stand-in) runs on the node.
 */
describeSlurm('SLURM POWER E2E')('power caps at a Slurm site, from the plan through dispatch', () => {
  const start = DateTime.fromISO('2026-03-02T16:00:00Z', { zone: 'utc' });
  const workdir = mkdtempSync(join(tmpdir(), 'westwind-slurm-power-app-'));
  const recorder = join(workdir, 'record-power.sh');
  const log = join(workdir, 'power.log');
  const ids: string[] = [];
  let t: TestApp;

  beforeAll(async () => {
    writeFileSync(recorder, RECORDER);
    chmodSync(recorder, 0o755);
    // A cap sent while Slurm is still starting the job is retried: over a minute of retries, whatever the load.
    const configPath = slurmConfigPath({
      powerCommand: [recorder, log, '{node}', '{watts}'],
      gpuWatts: 700,
      attempts: 8,
      backoffMs: 500,
    });
    // No planner (the test's plans are the ones dispatched), and a clock that stands still.
    t = await startTestApp({ clock: virtualClock(start, 1, () => 0), roles: 'api,dispatch', configPath });
  });
  afterAll(async () => {
    await cancelSlurmJobs(ids);
    await t?.close();
  });

  it('caps the running job on its node when the plan says so, and lifts the cap', async () => {
    const http = t.app.getHttpServer();
    const id = await submit(http, {
      name: 'capped-in-slurm',
      gpus: 2,
      runtimeHours: 6,
      deadline: '2026-03-04T00:00:00Z',
      sites: [SITE],
      power: {
        minFraction: 0.5,
        throughput: [
          [1, 1],
          [0.6, 0.85],
          [0.5, 0.7],
        ],
      },
      slurm: { script: TRAIN_SCRIPT, workdir, environment: { TRAIN_STEPS: '100000' } },
    });
    ids.push(id);
    const lines = () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : []);

    // Started (at full power), then capped to 0.6: 420 W per GPU on the job's node.
    await planAndDispatch(t, id, start, [segment(SITE, start, 6, 0.6)]);
    const capped = await until(
      () => getJob(http, id),
      (job) => job.run?.powerFraction === 0.6,
      60_000,
    );
    expect(capped.state).toBe('running');
    const [running] = await slurmJobsOf(id);
    expect(running.state).toBe('RUNNING');
    const node = (await slurmCli.run('squeue', ['--noheader', `--name=${slurmJobName(id)}`, '--format=%N'])).trim();
    expect(lines()).toEqual([`${node}\t420\t`]);

    // The next plan lifts it: 700 W.
    await planAndDispatch(t, id, start, [segment(SITE, start, 6)]);
    await until(
      () => getJob(http, id),
      (job) => (job.run?.powerFraction ?? 1) === 1,
      60_000,
    );
    expect(lines()).toEqual([`${node}\t420\t`, `${node}\t700\t`]);
  }, 120_000);
});
