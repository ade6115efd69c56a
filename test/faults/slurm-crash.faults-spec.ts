import { DateTime } from 'luxon';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { postWestForecast, until } from '../support/execution.js';
import { useServiceProcess } from '../support/service-process.js';
import { slurmJobsOf } from '../support/slurm.js';
import {
  cancelSlurmJobs,
  describeSlurm,
  SLURM_SITE as SITE,
  slurmConfigPath,
  states,
  trainJob,
} from '../support/slurm-app.js';
import { ALPHA, OPERATOR } from '../support/test-app.js';

const BATCH = 10;
/** Simulated seconds per real second: a minute a second, so no peak comes near (the jobs are non-deferrable anyway). */
const SPEED = 60;

/**
 * The built service driving the real throwaway Slurm cluster, killed with kill -9 while one job runs in
 * Slurm and ten more are being submitted: after the restart no job is in Slurm twice (each is found again
 * by its name), the running job is picked up where it is (not restarted, not requeued), and all complete.
 */
describeSlurm('SLURM CRASH FAULT TEST')('crash: kill -9 with a job running in Slurm and others being submitted', () => {
  const configPath = slurmConfigPath({
    timeoutMs: 10_000,
    // A kill between taking the submission lock and sbatch's answer leaves the lock for its 40 s:
    // retries span two minutes, so the restarted service outlasts it instead of failing the job.
    attempts: 8,
    backoffMs: 1000,
  });
  const suite = useServiceProcess(4736, {
    WESTWIND_CONFIG: configPath,
    WESTWIND_CLOCK: 'virtual',
    WESTWIND_CLOCK_SPEED: String(SPEED),
  });
  const { service } = suite;
  const workdir = mkdtempSync(join(tmpdir(), 'westwind-slurm-crash-'));
  const ids: string[] = [];
  // The test follows the service's own clock: read at each start, then advanced at its speed.
  let anchor = { at: DateTime.fromISO('2026-03-02T02:00:00Z', { zone: 'utc' }), real: Date.now() };
  const now = () => anchor.at.plus({ milliseconds: (Date.now() - anchor.real) * SPEED });
  const start = async () => {
    await service.start({ WESTWIND_CLOCK_START: now().toISO()! });
    const overview = await request(service.url).get('/dashboard/api/overview').set(OPERATOR).expect(200);
    anchor = { at: DateTime.fromISO(overview.body.now as string), real: Date.now() };
  };
  const submit = async (name: string, steps: number) => {
    const res = await request(service.url)
      .post('/v1/jobs')
      .set(ALPHA)
      .send({
        name,
        gpus: 1,
        sites: [SITE],
        runtimeHours: 1,
        deadline: now().plus({ days: 2 }).toISO(),
        deferrable: false,
        interruptible: true,
        slurm: trainJob(workdir, { TRAIN_STEPS: String(steps), TRAIN_STEP_SECONDS: '1' }),
      })
      .expect(201);
    ids.push(res.body.id as string);
    return res.body.id as string;
  };
  const getJob = async (id: string) => (await request(service.url).get(`/v1/jobs/${id}`).set(ALPHA).expect(200)).body;

  // Leave the cluster as found.
  afterAll(() => cancelSlurmJobs(ids));

  it('submits nothing twice, picks up the running job, and completes every job', async () => {
    await start();
    await postWestForecast(service.url, now().startOf('hour'), 72, () => 1000, now().minus({ minutes: 1 }));

    // Sixty one-second steps: still running when the restarted service looks (if not, it reconciles the end).
    const running = await submit('runs-through-the-crash', 60);
    const [slurmRunning] = await until(
      () => slurmJobsOf(running),
      (jobs) => jobs.some((j) => j.state === 'RUNNING'),
      60_000,
    );
    await until(
      () => getJob(running),
      (job) => job.state === 'running',
      30_000,
    );

    // Ten more, and kill -9 as soon as Slurm has the first of them: the rest are mid-admission.
    const batch = await Promise.all(
      Array.from({ length: BATCH }, (_, i) => submit(`submitted-around-the-crash-${i}`, 3)),
    );
    const seen = await until(
      async () => (await Promise.all(batch.map(slurmJobsOf))).filter((jobs) => jobs.length > 0).length,
      (n) => n > 0,
      60_000,
    );
    await service.kill();
    const inSlurmAtKill = (await Promise.all(batch.map(slurmJobsOf))).filter((jobs) => jobs.length > 0).length;
    const runningAtKill = (await slurmJobsOf(running)).map((j) => j.state);
    await start();

    // The running job is Westwind's again at once: running, its one Slurm job untouched.
    const pickedUp = await getJob(running);
    expect(pickedUp.state === 'running' || pickedUp.state === 'completed').toBe(true);

    const all = [running, ...batch];
    const finished = await until(
      () => Promise.all(all.map(getJob)),
      (jobs) => jobs.every((j) => ['completed', 'failed', 'cancelled'].includes(j.state)),
      240_000,
    );
    const notCompleted = finished
      .filter((j) => j.state !== 'completed')
      .map((j) => `${j.id}: ${j.state} ${j.history.at(-1)?.reason}`);
    if (notCompleted.length > 0) console.log(`service output (last 8,000 characters):\n${service.output.slice(-8000)}`);
    expect(notCompleted).toEqual([]);
    for (const job of finished) expect(states(job.history)).toEqual(['queued', 'scheduled', 'running', 'completed']);

    // Slurm's own record: one Slurm job per Westwind job, each completed; the running one ran once, from step 0.
    const slurmJobs = await Promise.all(all.map(slurmJobsOf));
    expect(slurmJobs.map((jobs) => jobs.map((j) => j.state))).toEqual(all.map(() => ['COMPLETED']));
    expect(slurmJobs[0][0].id).toBe(slurmRunning.id);
    const log = readFileSync(join(workdir, `slurm-${slurmRunning.id}.out`), 'utf8');
    expect(log.match(/starting at step 0/g)).toHaveLength(1);
    expect(log).not.toContain('SIGTERM');
    expect(log).not.toContain('resumed from checkpoint');
    expect(log).toContain('finished 60 steps');
    console.log(
      `slurm crash: killed with ${seen}+ of ${BATCH} new jobs seen in Slurm (${inSlurmAtKill} at the kill), ` +
        `the running job ${runningAtKill.join(',')}; after the restart ${all.length} jobs, ` +
        `${slurmJobs.flat().length} Slurm jobs, all completed`,
    );
  }, 420_000);
});
