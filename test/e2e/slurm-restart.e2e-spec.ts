import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { virtualClock } from '../../src/domain/time/clock.js';
import { isFinished } from '../../src/execution/executors/slurm/slurm-queue.js';
import { getJob, postWestForecast, submit, until } from '../support/execution.js';
import { slurmCli, slurmJobsOf } from '../support/slurm.js';
import {
  cancelSlurmJobs,
  describeSlurm,
  SLURM_SITE as SITE,
  slurmConfigPath,
  states,
  utc,
} from '../support/slurm-app.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** Runs until the test writes end-<job id> in its folder, then exits with the code written there. */
const WAIT_FOR_END = `#!/bin/bash
echo "running ${'$'}{WESTWIND_JOB_ID}"
end="end-${'$'}{WESTWIND_JOB_ID}"
for _ in $(seq 1 1200); do
  [ -s "$end" ] && exit "$(cat "$end")"
  sleep 0.5
done
exit 2
`;

/**
 * Westwind down while its Slurm jobs end: one completes, one exits 3, one is cancelled by its owner with
 * scancel. The next Westwind started on the same Redis reconciles each at start-up from Slurm's record
 * (its first poll), submitting nothing again.
 */
describeSlurm('SLURM RESTART E2E')('Slurm jobs that ended while Westwind was down', () => {
  const workdir = mkdtempSync(join(tmpdir(), 'westwind-slurm-restart-'));
  const ids: string[] = [];
  let first: TestApp | undefined;
  let second: TestApp | undefined;

  afterAll(async () => {
    await cancelSlurmJobs(ids);
    await first?.app.close();
    first?.redis.disconnect();
    await second?.close();
  });

  it('reconciles at start-up: completed, failed with its exit code, cancelled by its owner', async () => {
    const configPath = slurmConfigPath();
    const clock = virtualClock(utc('2026-03-02T02:00:00Z'), 60);
    const roles = 'api,planner,dispatch';
    first = await startTestApp({ clock, roles, configPath });
    const http = first.app.getHttpServer();
    await postWestForecast(http, utc('2026-03-02T02:00:00Z'), 48, () => 1000, utc('2026-03-02T02:00:00Z'));
    for (const name of ['completes-while-down', 'fails-while-down', 'owner-cancels-while-down'])
      ids.push(
        await submit(http, {
          name,
          gpus: 1,
          sites: [SITE],
          runtimeHours: 4,
          deadline: '2026-03-04T00:00:00Z',
          deferrable: false,
          slurm: { script: WAIT_FOR_END, workdir },
        }),
      );
    const running = await until(
      () => Promise.all(ids.map(slurmJobsOf)),
      (all) => all.every((jobs) => jobs.length === 1 && jobs[0].state === 'RUNNING'),
      60_000,
    );
    await until(
      () => Promise.all(ids.map((id) => getJob(http, id))),
      (jobs) => jobs.every((j) => j.state === 'running'),
      30_000,
    );

    // Westwind goes away (its Redis stays); meanwhile Slurm ends the three jobs.
    const prefix = first.prefix;
    await first.app.close();
    first.redis.disconnect();
    first = undefined;
    const [completes, fails] = ids;
    writeFileSync(join(workdir, `end-${completes}`), '0');
    writeFileSync(join(workdir, `end-${fails}`), '3');
    await slurmCli.run('scancel', [String(running[2][0].id)]);
    const ended = await until(
      () => Promise.all(ids.map(slurmJobsOf)),
      (all) => all.every((jobs) => jobs.every(isFinished)),
      60_000,
    );
    expect(ended.map((jobs) => jobs.map((j) => j.state))).toEqual([['COMPLETED'], ['FAILED'], ['CANCELLED']]);

    // The next Westwind on the same Redis: its first poll reconciles what ended meanwhile.
    second = await startTestApp({ clock, roles, configPath, prefix });
    const again = second.app.getHttpServer();
    const jobs = await until(
      () => Promise.all(ids.map((id) => getJob(again, id))),
      (list) => list.every((j) => ['completed', 'failed', 'cancelled'].includes(j.state)),
      30_000,
    );
    const slurmIds = running.map((jobs) => jobs[0].id);
    expect(jobs.map((j) => j.state)).toEqual(['completed', 'failed', 'cancelled']);
    for (const job of jobs) expect(states(job.history).slice(0, 3)).toEqual(['queued', 'scheduled', 'running']);
    expect(jobs[1].history.at(-1).reason).toBe(`failed at ${SITE}: Slurm job ${slurmIds[1]} FAILED: exit code 3`);
    expect(jobs[2].history.at(-1).reason).toBe(
      `cancelled at ${SITE}: Slurm job ${slurmIds[2]} was cancelled in Slurm (scancel)`,
    );
    // Nothing submitted again: each job still has its one Slurm job.
    expect((await Promise.all(ids.map(slurmJobsOf))).map((list) => list.map((j) => j.id))).toEqual(
      slurmIds.map((id) => [id]),
    );
  }, 180_000);
});
