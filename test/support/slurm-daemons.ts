import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SLURM_CONF } from './slurm.js';

/**
 * The throwaway cluster's slurmctld alone, stopped and started again (slurmd, munged and the jobs on the
 * node carry on), for the tests of Westwind with its Slurm controller gone. The pid comes from the file
 * scripts/slurm-cluster.sh's slurm.conf names (SlurmctldPidFile), next to SLURM_CONF.
 */
const PID_FILE = join(dirname(SLURM_CONF), 'slurmctld.pid');
const env = { PATH: process.env.PATH, SLURM_CONF };

function ctldPid(): number | undefined {
  try {
    const pid = Number(readFileSync(PID_FILE, 'utf8').trim());
    // Only if that pid is still slurmctld: a stale file's pid may be someone else's by now.
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'slurmctld' ? pid : undefined;
  } catch {
    return undefined;
  }
}

export function ctldAnswers(): boolean {
  const ping = spawnSync('scontrol', ['ping'], { env, timeout: 15_000, encoding: 'utf8' });
  return /is UP/.test(ping.stdout ?? '');
}

/** SIGTERM (slurmctld saves its state), and waits until the process is gone. */
export async function stopCtld(): Promise<void> {
  const pid = ctldPid();
  if (pid === undefined) throw new Error(`no running slurmctld named by ${PID_FILE}`);
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 300 && ctldPid() === pid; i++) await new Promise((r) => setTimeout(r, 100));
  if (ctldPid() === pid) throw new Error(`slurmctld ${pid} did not stop within 30 s`);
}

/** Starts slurmctld from its saved state and waits until it answers and the node is back (up to 60 s). */
export async function startCtld(): Promise<void> {
  if (ctldPid() === undefined) execFileSync('slurmctld', [], { env, timeout: 30_000 });
  for (let i = 0; i < 120; i++) {
    const node = spawnSync('sinfo', ['-h', '-N', '-o', '%T'], { env, timeout: 15_000, encoding: 'utf8' });
    if (/^(idle|mixed|allocated)$/m.test(node.stdout ?? '')) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error('slurmctld did not answer with its node up within 60 s of its start');
}
