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
import { startTestApp, type TestApp } from './test-app.js';

export const SLURM_SITE = 'west-hub';
export const TRAIN_SCRIPT = readFileSync('examples/slurm/train.sh', 'utf8');
export const utc = (iso: string) => DateTime.fromISO(iso, { zone: 'utc' });
export const states = (history: StateChange[]) => history.map((h) => h.to);

/** describe, or describe.skip with a loud warning when the throwaway cluster does not answer. */
export function describeSlurm(what: string): jest.Describe {
  const unavailable = slurmUnavailable();
  // Loud on purpose: .ci/run starts the cluster, so in CI this never skips.
  if (unavailable) console.warn(`\n*** ${what} SKIPPED: ${unavailable} ***\n`);
  return unavailable ? describe.skip : describe;
}

/**
 * The real app (all roles) with west-hub as a Slurm site (`executor`'s fields) on a virtual clock made in
 * beforeAll; after the suite every Slurm job it left is cancelled and slurmctld is running again.
 */
export function useSlurmApp(clockStart: string, speed: number, executor: Record<string, unknown>) {
  const ctx = {
    t: undefined as unknown as TestApp,
    clock: undefined as unknown as Clock,
    workdir: mkdtempSync(join(tmpdir(), 'westwind-slurm-test-')),
    submitted: [] as string[],
  };
  beforeAll(async () => {
    const configPath = testConfigWith((config) => {
      config.sites.find((s: { id: string }) => s.id === SLURM_SITE).executor = {
        type: 'slurm',
        slurmConf: SLURM_CONF,
        partition: 'gpu',
        pollMs: 250,
        timeoutMs: 15_000,
        backoffMs: 200,
        ...executor,
      };
    });
    // Made here, not when the file loads: the suites before this one must not eat its virtual hours.
    ctx.clock = virtualClock(utc(clockStart), speed);
    ctx.t = await startTestApp({ clock: ctx.clock, roles: 'api,planner,dispatch', configPath });
  });
  afterAll(async () => {
    // Leave the cluster as found, even when a test failed with slurmctld stopped.
    if (!ctldAnswers()) await startCtld();
    for (const id of ctx.submitted) {
      for (const job of await slurmJobsOf(id)) if (!isFinished(job)) await slurmCli.run('scancel', [String(job.id)]);
    }
    await ctx.t?.close();
  });
  return ctx;
}
