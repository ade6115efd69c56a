import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SlurmCli } from '../../src/execution/executors/slurm/slurm-cli.js';
import {
  LINE_FORMAT,
  parseSqueueLines,
  slurmJobName,
  type SlurmJob,
} from '../../src/execution/executors/slurm/slurm-queue.js';

/** The throwaway cluster's slurm.conf: SLURM_CONF, else where scripts/slurm-cluster.sh puts it. */
export const SLURM_CONF =
  process.env.SLURM_CONF ??
  join(process.env.WESTWIND_SLURM_DIR ?? join(process.env.TMPDIR ?? tmpdir(), 'westwind-slurm'), 'slurm.conf');

/** Why the Slurm suites cannot run here, or undefined when slurmctld answers. */
export function slurmUnavailable(): string | undefined {
  if (!existsSync(SLURM_CONF))
    return `no slurm.conf at ${SLURM_CONF}: start the cluster with scripts/slurm-cluster.sh start (or set SLURM_CONF)`;
  try {
    const answer = execFileSync('scontrol', ['ping'], {
      env: { PATH: process.env.PATH, SLURM_CONF },
      timeout: 10_000,
      encoding: 'utf8',
    });
    return /UP/.test(answer) ? undefined : `slurmctld does not answer: ${answer.trim()}`;
  } catch (error) {
    return `slurmctld not reachable with SLURM_CONF=${SLURM_CONF}: ${(error as Error).message.split('\n')[0]}`;
  }
}

export const slurmCli = new SlurmCli({ slurmConf: SLURM_CONF, timeoutMs: 10_000 });

/** Every Slurm job of a Westwind job (any state Slurm still remembers), oldest first. */
export async function slurmJobsOf(jobId: string): Promise<SlurmJob[]> {
  const text = await slurmCli.run('squeue', [
    '--noheader',
    '--states=all',
    `--name=${slurmJobName(jobId)}`,
    `--format=${LINE_FORMAT}`,
  ]);
  return parseSqueueLines(text).sort((a, b) => a.id - b.id);
}
