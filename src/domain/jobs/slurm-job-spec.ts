/**
 * What a Slurm site needs to run a job (sbatch's side of it): a batch script or one command, and the
 * options Westwind passes on. GPUs are the job's own `gpus`, as GRES spread over `nodes`.
 */
export interface SlurmJobSpec {
  /** A whole batch script, starting with `#!`; its #SBATCH lines apply, Westwind's options win. */
  script?: string;
  /** Or one command, run by `sbatch --wrap`. */
  command?: string;
  /** Nodes to spread the GPUs over (default 1): `--gres=gpu:<gpus/nodes>` per node. */
  nodes?: number;
  /** Slurm's time limit (`--time`), minutes. */
  timeLimitMinutes?: number;
  /** The job's environment (besides WESTWIND_JOB_ID, WESTWIND_SITE and Slurm's own SLURM_* variables). */
  environment?: Record<string, string>;
  /** The job's working directory on the cluster (`--chdir`), absolute. */
  workdir?: string;
  /** Where its output goes (`--output`, Slurm's %j patterns allowed); default slurm-%j.out in workdir. */
  output?: string;
}

/** Variables the job may not set: Westwind's and Slurm's own. */
export const RESERVED_ENVIRONMENT = /^(WESTWIND_|SLURM_|SBATCH_)/;
export const ENVIRONMENT_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
export const MAX_ENVIRONMENT_ENTRIES = 128;
export const MAX_ENVIRONMENT_VALUE = 8192;
export const MAX_SCRIPT_LENGTH = 256 * 1024;
