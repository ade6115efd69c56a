import { DateTime } from 'luxon';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StateChange } from '../../src/domain/jobs/job.js';
import { type Clock, virtualClock } from '../../src/domain/time/clock.js';
import { isFinished } from '../../src/execution/executors/slurm/slurm-queue.js';
import { testConfigWith } from './execution.js';
import { SLURM_CONF, slurmCli, slurmJobsOf, slurmUnavailable } from './slurm.js';
import { ctldAnswers, startCtld } from './slurm-daemons.js';
import { startTestApp, type TestApp, type TestAppOptions } from './test-app.js';

export const SLURM_SITE = 'west-hub';
export const TRAIN_SCRIPT = readFileSync('examples/slurm/train.sh', 'utf8');
export const utc = (iso: string) => DateTime.fromISO(iso, { zone: 'utc' });
export const states = (history: StateChange[]) => history.map((h) => h.to);

/**
 * Matches a job's history by its states alone, `expect(job.history).toEqual(wentThrough('queued', …))`: where it
 * differs, jest prints each change with its time and reason, which say why.
 */
export const wentThrough = (...to: string[]) => to.map((state) => expect.objectContaining({ to: state }));

/** describe, or describe.skip with a loud warning when the throwaway cluster does not answer. */
export function describeSlurm(what: string): jest.Describe {
  const unavailable = slurmUnavailable();
  // Loud on purpose: .ci/run starts the cluster, so in CI this never skips.
  if (unavailable) console.warn(`\n*** ${what} SKIPPED: ${unavailable} ***\n`);
  return unavailable ? describe.skip : describe;
}

/** west-hub's executor as a Slurm site of the throwaway cluster; `executor` overrides its fields. */
export function slurmExecutor(executor: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'slurm',
    slurmConf: SLURM_CONF,
    partition: 'gpu',
    pollMs: 250,
    timeoutMs: 15_000,
    backoffMs: 200,
    ...executor,
  };
}

/** The test config with west-hub as a Slurm site (`executor`'s fields), written to a file: its path. */
export function slurmConfigPath(executor: Record<string, unknown> = {}): string {
  return testConfigWith((config) => {
    config.sites.find((s: { id: string }) => s.id === SLURM_SITE).executor = slurmExecutor(executor);
  });
}

/** A job's `slurm` field running examples/slurm/train.sh in `workdir` with `environment`. */
export function trainJob(workdir: string, environment: Record<string, string>, extra: Record<string, unknown> = {}) {
  return { script: TRAIN_SCRIPT, workdir, environment, ...extra };
}

/** Leaves the cluster as found: cancels every Slurm job of these Westwind jobs that has not ended. */
export async function cancelSlurmJobs(jobIds: readonly string[]): Promise<void> {
  for (const id of jobIds) {
    for (const job of await slurmJobsOf(id)) if (!isFinished(job)) await slurmCli.run('scancel', [String(job.id)]);
  }
}

/**
 * The real app (all roles) with west-hub as a Slurm site (`executor`'s fields; `configure` changes the rest
 * of the config) on a virtual clock made in beforeAll; after the suite every Slurm job it left is cancelled
 * and slurmctld is running again.
 */
export function useSlurmApp(
  clockStart: string,
  speed: number,
  executor: Record<string, unknown>,
  configure?: TestAppOptions['configure'],
) {
  const ctx = {
    t: undefined as unknown as TestApp,
    clock: undefined as unknown as Clock,
    workdir: mkdtempSync(join(tmpdir(), 'westwind-slurm-test-')),
    submitted: [] as string[],
  };
  beforeAll(async () => {
    const configPath = slurmConfigPath(executor);
    // Made here, not when the file loads: the suites before this one must not eat its virtual hours.
    ctx.clock = virtualClock(utc(clockStart), speed);
    ctx.t = await startTestApp({ clock: ctx.clock, roles: 'api,planner,dispatch', configPath, configure });
  });
  afterAll(async () => {
    // Leave the cluster as found, even when a test failed with slurmctld stopped.
    if (!ctldAnswers()) await startCtld();
    await cancelSlurmJobs(ctx.submitted);
    await ctx.t?.close();
  });
  return ctx;
}
