import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Writable } from 'node:stream';

export const SLURM_COMMANDS = ['sbatch', 'scontrol', 'scancel', 'squeue'] as const;
export type SlurmCommand = (typeof SLURM_COMMANDS)[number];

/** What the client commands print when slurmctld does not answer (stopped, unreachable, overloaded). */
const UNREACHABLE = new RegExp(
  [
    'Unable to contact slurm controller',
    'Socket timed out',
    'Connection refused',
    'Zero Bytes were transmitted',
    'Communication connection failure',
  ].join('|'),
  'i',
);

/** A Slurm client command that failed: refused by Slurm, or slurmctld not reachable (then worth retrying). */
export class SlurmCommandError extends Error {
  override name = 'SlurmCommandError';

  constructor(
    readonly command: SlurmCommand,
    readonly stderr: string,
    readonly unreachable: boolean,
    message: string,
  ) {
    super(message);
  }
}

type StdioPipe = 'pipe';

export interface SlurmCliOptions {
  /** SLURM_CONF for the commands; undefined: their default. */
  slurmConf?: string;
  /** Where the commands are; undefined: PATH. */
  binDir?: string;
  timeoutMs: number;
}

export interface SlurmRun {
  /** Written to the command's standard input (sbatch reads the batch script there). */
  input?: string;
  /** Written to file descriptor 3 (sbatch --export-file=3: NUL-separated NAME=value). */
  fd3?: string;
}

/**
 * Runs Slurm's client commands without a shell (arguments are never parsed by one), with a timeout,
 * and with only PATH and SLURM_CONF from the service's environment: none of Westwind's own variables
 * (its Redis URL, keys) reach the commands or, through sbatch, a job.
 */
export class SlurmCli {
  private readonly env: NodeJS.ProcessEnv;

  constructor(private readonly options: SlurmCliOptions) {
    this.env = {
      PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
      ...(options.slurmConf && { SLURM_CONF: options.slurmConf }),
    };
  }

  run(command: SlurmCommand, args: readonly string[], io: SlurmRun = {}): Promise<string> {
    const file = this.options.binDir ? join(this.options.binDir, command) : command;
    const stdio: StdioPipe[] = io.fd3 === undefined ? ['pipe', 'pipe', 'pipe'] : ['pipe', 'pipe', 'pipe', 'pipe'];
    return new Promise((resolve, reject) => {
      // spawn, not execFile: sbatch reads the job's environment from a fourth pipe.
      const child = spawn(file, args, { env: this.env, stdio, timeout: this.options.timeoutMs, killSignal: 'SIGKILL' });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
      child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
      let spawnError: NodeJS.ErrnoException | undefined;
      child.on('error', (error: NodeJS.ErrnoException) => (spawnError = error));
      child.on('close', (code, signal) => {
        const stdout = Buffer.concat(out).toString('utf8');
        if (code === 0 && !spawnError) return resolve(stdout);
        const text = (Buffer.concat(err).toString('utf8') || spawnError?.message || '')
          .trim()
          .replace(/\s+/g, ' ')
          .slice(0, 500);
        const timedOut = signal === 'SIGKILL';
        const unreachable = timedOut || spawnError !== undefined || UNREACHABLE.test(text);
        const why = timedOut ? `no answer within ${this.options.timeoutMs} ms` : text || `exit code ${code}`;
        reject(new SlurmCommandError(command, text, unreachable, `${command} ${args[0] ?? ''}: ${why}`));
      });
      for (const [fd, text] of [
        [0, io.input ?? ''],
        [3, io.fd3],
      ] as const) {
        const pipe = child.stdio[fd] as Writable | null | undefined;
        if (!pipe || text === undefined) continue;
        pipe.on('error', () => undefined); // the command may exit without reading it
        pipe.end(text);
      }
    });
  }
}
