import { execFile } from 'node:child_process';
import type { SLURM_POWER_PLACEHOLDERS } from '../../../config/westwind-config.js';

export type PowerPlaceholder = (typeof SLURM_POWER_PLACEHOLDERS)[number];

/** The site's powerCommand with its placeholders filled in: one argument list, each element one argument. */
export function powerArguments(template: readonly string[], values: Record<PowerPlaceholder, string>): string[] {
  return template.map((element) =>
    element.replace(/\{(node|watts|fraction|jobId|slurmJobId)\}/g, (_, name: PowerPlaceholder) => values[name]),
  );
}

/** Whether the command runs once per node of the job (it names {node}) or once. */
export function perNode(template: readonly string[]): boolean {
  return template.some((element) => element.includes('{node}'));
}

/** A fraction as the command sees it: at most four decimals, no exponent. */
export function fractionText(fraction: number): string {
  return String(Math.round(fraction * 10_000) / 10_000);
}

/**
 * Runs the power command without a shell (the first element is the program, found on PATH unless a
 * path; each other element one argument, never parsed), with a timeout, and with only PATH, HOME and
 * SLURM_CONF from the service's environment. Resolves with its standard output; rejects with its
 * exit code or signal and standard error.
 */
export function runPowerCommand(argv: readonly string[], timeoutMs: number, slurmConf?: string): Promise<string> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    ...(process.env.HOME && { HOME: process.env.HOME }),
    ...(slurmConf && { SLURM_CONF: slurmConf }),
  };
  return new Promise((resolve, reject) => {
    execFile(
      argv[0],
      argv.slice(1),
      { env, timeout: timeoutMs, killSignal: 'SIGKILL', shell: false, maxBuffer: 1 << 20, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (!error) return resolve(stdout);
        const text = stderr.trim().replace(/\s+/g, ' ').slice(0, 500);
        const why = error.killed
          ? `no answer within ${timeoutMs} ms`
          : typeof error.code === 'number'
            ? `exit code ${error.code}${text ? `: ${text}` : ''}`
            : error.message;
        reject(new Error(`${argv[0]}: ${why}`));
      },
    );
  });
}
