import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import type { SlurmExecutorConfig } from '../../../config/westwind-config.js';
import type { SlurmJobSpec } from '../../../domain/jobs/slurm-job-spec.js';
import { RedisKeys } from '../../../redis/redis-keys.js';
import { JobEventTokens } from '../../job-event-tokens.js';
import { ExecutorError } from '../http/http.executor.js';
import type { ExecutorOrder, SiteExecutor } from '../site-executor.js';
import { Batcher, settleEach } from './slurm-batch.js';
import { SlurmCli, SlurmCommandError } from './slurm-cli.js';
import { fractionText, perNode, powerArguments, runPowerCommand } from './slurm-power.js';
import {
  current,
  isFinished,
  jobsBySite,
  LINE_FORMAT,
  parseSqueueJson,
  parseSqueueLines,
  siteOfComment,
  slurmComment,
  slurmJobName,
  type SlurmJob,
} from './slurm-queue.js';
import {
  cancelSteps,
  commandFor,
  holdSteps,
  phaseOf,
  releaseSteps,
  type SlurmStep,
  type SlurmVerb,
} from './slurm-steps.js';

/** The job's PATH when it sets none: Westwind's own PATH stays Westwind's. */
const DEFAULT_JOB_PATH = '/usr/local/bin:/usr/bin:/bin';
/** An action re-reads the job's state and tries again this often when Slurm's state moved under it. */
const ACTION_TRIES = 3;
/** How long the first action of a batch waits for the others the dispatch worker is starting with it. */
const BATCH_LINGER_MS = 50;
/** Actions in one batch at most (one `squeue --name=` list and one `scontrol` job list each). */
const MAX_BATCH = 200;
/** Batches carried out at once: a second gathers while the first runs, so a small first batch holds up no one. */
const BATCHES_IN_FLIGHT = 2;
/**
 * How long a submission waits for another worker's submission lock (it is submitting the job: found
 * once it lets go), and how often it looks. A dead worker's lock outlasts this: the action is retried.
 */
const LOCK_WAIT_MS = 2000;
const LOCK_RECHECK_MS = 100;
/** Jobs submitted per `squeue` (their submission locks held together: a crash leaves at most these). */
const SUBMIT_CHUNK = 8;
/** Jobs of a batch submitted (`sbatch`) at once, and jobs retried one by one after a batch command failed. */
const ONE_BY_ONE_CONCURRENCY = 4;
/**
 * Action ids a site remembers having carried out: far more than any retry or redelivery needs (those
 * come within minutes), so an action sent twice acts once, and Redis does not grow without end.
 */
export const SLURM_SITE_MEMORY = 100_000;

/** Nodes a power cap is set on at once. */
const POWER_CONCURRENCY = 16;

/** What a power cap order carries that the Slurm site reads (SiteExecutor's PowerOrder). */
export interface SlurmPowerOrder {
  actionId: string;
  jobId: string;
  /** Share of the job's full GPU power, in (0, 1]; 1 lifts the cap. */
  powerFraction: number;
}

/** What a job needs to be submitted to Slurm: the order's job, or the planned job the poll admits early. */
export interface SlurmSubmission {
  jobId: string;
  name: string;
  gpus: number;
  slurm?: SlurmJobSpec;
  plannedStart?: string;
}

/**
 * Drives one Slurm cluster (a site) through its client commands. A job is submitted once, held
 * (`sbatch --hold --requeue`), named westwind-<job id> so that Westwind finds it again after a
 * crash instead of submitting it twice; start and resume release it, pause requeue-holds (or
 * suspends) it, cancel cancels it. Each action reads the job's state first and does only what is
 * missing, so an action carried out twice acts once. Actions that arrive together are carried out
 * as one batch (one `squeue` for all their jobs, one `scontrol` per verb over a job list); when a
 * batch command fails, its jobs are done again one by one, so one bad job fails alone. The site's
 * queue is followed by `snapshot` (one `squeue --json` per poll), see SlurmSites.
 */
export class SlurmExecutor implements SiteExecutor {
  readonly cli: SlurmCli;
  readonly tokens: JobEventTokens;
  private readonly batcher = new Batcher<ExecutorOrder>(
    (orders) => this.carryOut(orders),
    BATCH_LINGER_MS,
    MAX_BATCH,
    BATCHES_IN_FLIGHT,
  );

  constructor(
    readonly site: string,
    readonly config: SlurmExecutorConfig,
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {
    this.cli = new SlurmCli({ slurmConf: config.slurmConf, binDir: config.binDir, timeoutMs: config.timeoutMs });
    this.tokens = new JobEventTokens(redis, keys);
  }

  async perform(order: ExecutorOrder): Promise<void> {
    try {
      await this.batcher.submit(order);
    } catch (error) {
      throw this.reported(order, error);
    }
  }

  /** Whether this site caps power: it has a powerCommand. */
  get capsPower(): boolean {
    return this.config.powerCommand !== undefined;
  }

  /**
   * Caps a running job's GPU power at `powerFraction` of full power (1 lifts it): the site's
   * powerCommand, without a shell, once per node the job runs on (when it names {node}). Once per action
   * id, like every action. A job held or suspended has nothing to cap (a resume starts at full power),
   * nor one that ended; a job released but not running yet is tried again (the dispatch queue retries).
   */
  async setPower(order: SlurmPowerOrder): Promise<void> {
    const fail = (why: string) => new ExecutorError(`setPower at ${this.site}: ${why}`);
    const template = this.config.powerCommand;
    if (!template) throw fail('no powerCommand configured, so this site does not cap power');
    if (!(order.powerFraction > 0 && order.powerFraction <= 1))
      throw fail(`a power fraction must be in (0, 1], not ${order.powerFraction}`);
    if (await this.hasCarriedOut(order.actionId)) return;
    let job: { id: number; state: string; held: boolean; nodes: string } | undefined;
    try {
      job = await this.withNodes(order.jobId);
    } catch (error) {
      throw error instanceof SlurmCommandError ? fail(error.message) : error;
    }
    if (!job) throw fail(`no Slurm job ${slurmJobName(order.jobId)} in its queue`);
    if (job.state === 'PENDING' && !job.held) throw fail(`Slurm job ${job.id} is not running yet; try again`);
    if (job.state === 'RUNNING') {
      const nodes = perNode(template) ? await this.hostnames(job.nodes) : [''];
      const values = {
        watts: this.config.gpuWatts ? String(Math.round(order.powerFraction * this.config.gpuWatts)) : '',
        fraction: fractionText(order.powerFraction),
        jobId: order.jobId,
        slurmJobId: String(job.id),
      };
      const failures = await settleEach(nodes, POWER_CONCURRENCY, async (node) => {
        await runPowerCommand(
          powerArguments(template, { ...values, node }),
          this.config.timeoutMs,
          this.config.slurmConf,
        );
      });
      const failed = failures.flatMap((error, i) => (error ? [`${nodes[i] || 'the job'}: ${error.message}`] : []));
      if (failed.length > 0) throw fail(`power command failed on ${failed.join('; ')}`);
    }
    await this.redis.zadd(this.keys.slurmSiteActions(this.site), 'NX', Date.now(), order.actionId);
  }

  /** The job's live Slurm job here with the nodes it runs on (Slurm's hostlist, e.g. gpu[01-04]). */
  private async withNodes(
    jobId: string,
  ): Promise<{ id: number; state: string; held: boolean; nodes: string } | undefined> {
    const lines = await this.cli.run('squeue', [
      '--noheader',
      '--states=all',
      `--name=${slurmJobName(jobId)}`,
      `--format=%N|${LINE_FORMAT}`,
    ]);
    const rows = lines
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => {
        const bar = line.indexOf('|');
        const [job] = parseSqueueLines(line.slice(bar + 1));
        return { ...job, nodes: line.slice(0, bar).trim() };
      });
    const mine = rows.filter((job) => siteOfComment(job.comment, jobId) === this.site).sort((a, b) => b.id - a.id);
    return mine.find((job) => !isFinished(job)) ?? mine[0];
  }

  /** A Slurm hostlist expanded (`scontrol show hostnames`): one name per node. */
  private async hostnames(hostlist: string): Promise<string[]> {
    if (!/[[\],]/.test(hostlist)) return [hostlist];
    const names = (await this.cli.run('scontrol', ['show', 'hostnames', hostlist])).split('\n').filter(Boolean);
    return names.map((name) => name.trim());
  }

  /** One action on its own: reads its job, does what is missing, reads again if Slurm's state moved. */
  async performOne(order: ExecutorOrder): Promise<void> {
    try {
      switch (order.action) {
        case 'start':
        case 'resume':
          return await this.act(
            () => this.submitOnce(submissionOf(order)),
            (job) => releaseSteps(job),
          );
        case 'pause':
          return await this.act(
            async () => (await this.find(order.jobId)) ?? this.missing(order),
            (job) => holdSteps(job, this.config.pauseMode),
          );
        case 'cancel':
          return await this.cancel(order.jobId);
        default:
          return exhaustive(order.action);
      }
    } catch (error) {
      throw this.reported(order, error);
    }
  }

  /**
   * A batch of orders: those whose action id this site has already carried out are done (an action
   * sent twice acts once, even when the job's state has moved on since: a pause delivered again after
   * the resume that followed it pauses nothing); the others are carried out, and the ids of those
   * that succeeded recorded (one Redis round trip each way for the whole batch).
   */
  private async carryOut(all: readonly ExecutorOrder[]): Promise<(Error | undefined)[]> {
    const key = this.keys.slurmSiteActions(this.site);
    const seen = await this.redis.zmscore(key, ...all.map((o) => o.actionId));
    const fresh = [...all.keys()].filter((i) => seen[i] === null);
    const results = await this.carryOutNew(fresh.map((i) => all[i]));
    const outcomes: (Error | undefined)[] = all.map(() => undefined);
    fresh.forEach((i, k) => (outcomes[i] = results[k]));
    const done = [...new Set(fresh.filter((_, k) => !results[k]).map((i) => all[i].actionId))];
    if (done.length > 0) {
      const now = Date.now();
      await this.redis
        .multi()
        .zadd(key, 'NX', ...done.flatMap((id) => [now, id]))
        .zremrangebyrank(key, 0, -SLURM_SITE_MEMORY - 1)
        .exec();
    }
    return outcomes;
  }

  /** Whether this site has carried out the action (its id recorded after it succeeded). */
  async hasCarriedOut(actionId: string): Promise<boolean> {
    return (await this.redis.zscore(this.keys.slurmSiteActions(this.site), actionId)) !== null;
  }

  /**
   * A batch of actions: Slurm's state of all their jobs in one `squeue`, the jobs not yet in Slurm
   * submitted, then each verb once over every job that needs it (StartTime=now before release).
   * When a verb's command fails (Slurm refused one of its jobs, or one moved under it), its actions
   * are looked at again: one `squeue`, then what each still needs on its own, so one job's refusal
   * fails that job alone. slurmctld unreachable fails the actions concerned (the dispatch queue
   * retries them).
   */
  private async carryOutNew(orders: readonly ExecutorOrder[]): Promise<(Error | undefined)[]> {
    if (orders.length === 0) return [];
    const outcomes: (Error | undefined)[] = orders.map(() => undefined);
    const known = await this.findAll(orders.map((o) => o.jobId));
    const jobs = orders.map((o) => current(known.get(o.jobId) ?? []));
    const unsubmitted = [...orders.keys()].filter(
      (i) => isStart(orders[i]) && (!jobs[i] || cancelledUnstarted(jobs[i])),
    );
    const submitted = await this.submitAll(unsubmitted.map((i) => submissionOf(orders[i])));
    unsubmitted.forEach((i, k) => {
      const outcome = submitted[k];
      if (outcome instanceof Error) outcomes[i] = outcome;
      else jobs[i] = outcome;
    });
    const steps = orders.map((order, i) => this.stepsOf(order, known, jobs[i], outcomes, i));

    const again = new Set<number>();
    for (const phase of [0, 1]) {
      // verb → Slurm job id → the actions that need it (an action sent twice is one step).
      const byVerb = new Map<SlurmVerb, Map<number, number[]>>();
      steps.forEach((list, i) => {
        if (again.has(i) || outcomes[i]) return;
        for (const { verb, id } of list.filter((step) => phaseOf(step.verb) === phase)) {
          const ids = byVerb.get(verb) ?? new Map<number, number[]>();
          byVerb.set(verb, ids.set(id, [...(ids.get(id) ?? []), i]));
        }
      });
      for (const [verb, ids] of byVerb) {
        try {
          await this.cli.run(...commandFor(verb, [...ids.keys()]));
        } catch (error) {
          const concerned = new Set([...ids.values()].flat());
          if (error instanceof SlurmCommandError && !error.unreachable) concerned.forEach((i) => again.add(i));
          else concerned.forEach((i) => (outcomes[i] = error as Error));
        }
      }
    }
    if (again.size > 0) await this.oneByOne([...again], orders, outcomes);
    return outcomes;
  }

  /**
   * After a batch command failed: its actions' jobs read again in one `squeue`, then each action's
   * remaining steps run on their own (most have none: the batch did them). A step that fails again
   * goes the single-job way (read, act, up to ACTION_TRIES), and its error is that action's alone.
   */
  private async oneByOne(
    indices: number[],
    orders: readonly ExecutorOrder[],
    outcomes: (Error | undefined)[],
  ): Promise<void> {
    let known: Map<string, SlurmJob[]>;
    try {
      known = await this.findAll(indices.map((i) => orders[i].jobId));
    } catch (error) {
      indices.forEach((i) => (outcomes[i] = error as Error));
      return;
    }
    // The same action twice (sent again while the first waited) is done once; both share the outcome.
    const byAction = new Map<string, number[]>();
    for (const i of indices) {
      const key = `${orders[i].action} ${orders[i].jobId}`;
      byAction.set(key, [...(byAction.get(key) ?? []), i]);
    }
    const groups = [...byAction.values()];
    const results = await settleEach(groups, ONE_BY_ONE_CONCURRENCY, async ([i]) => {
      const steps = this.stepsOf(orders[i], known, current(known.get(orders[i].jobId) ?? []), outcomes, i);
      if (outcomes[i]) throw outcomes[i];
      try {
        await this.runSteps(steps);
      } catch (error) {
        if (!(error instanceof SlurmCommandError) || error.unreachable) throw error;
        await this.performOne(orders[i]);
      }
    });
    groups.forEach((group, k) => group.forEach((i) => (outcomes[i] = results[k])));
  }

  /** What the order still needs of its job; an order that cannot be done gets its error in `outcomes`. */
  private stepsOf(
    order: ExecutorOrder,
    known: Map<string, SlurmJob[]>,
    job: SlurmJob | undefined,
    outcomes: (Error | undefined)[],
    i: number,
  ): SlurmStep[] {
    if (outcomes[i]) return [];
    try {
      if (order.action === 'cancel') return cancelSteps(known.get(order.jobId) ?? []);
      if (order.action === 'pause') return holdSteps(job ?? this.missing(order), this.config.pauseMode);
      // start, resume: a job not in Slurm here was submitted above (or is being submitted: look again).
      if (!job) throw new ExecutorError(`${order.action} at ${this.site}: ${slurmJobName(order.jobId)} not found`);
      return releaseSteps(job);
    } catch (error) {
      outcomes[i] = error as Error;
      return [];
    }
  }

  /** An action's failure as the job's record shows it. */
  private reported(order: ExecutorOrder, error: unknown): unknown {
    if (error instanceof SlurmCommandError)
      return new ExecutorError(`${order.action} at ${this.site}: ${error.message}`);
    return error;
  }

  /** Every Westwind job's Slurm jobs at this site, in one `squeue --json` call. */
  async snapshot(): Promise<SlurmJob[]> {
    const jobs = parseSqueueJson(await this.cli.run('squeue', ['--json', '--states=all']));
    return jobs.filter((job) => siteOfComment(job.comment, job.name.slice('westwind-'.length)) === this.site);
  }

  /** The job's Slurm job here: a live one (newest first), else the newest that ended. */
  async find(jobId: string): Promise<SlurmJob | undefined> {
    return current((await this.findAll([jobId])).get(jobId) ?? []);
  }

  /** The Slurm jobs here of each of the Westwind jobs (newest first), in one `squeue --name=` call. */
  async findAll(jobIds: readonly string[]): Promise<Map<string, SlurmJob[]>> {
    const names = [...new Set(jobIds)].map(slurmJobName);
    const lines = await this.cli.run('squeue', [
      '--noheader',
      '--states=all',
      `--name=${names.join(',')}`,
      `--format=${LINE_FORMAT}`,
    ]);
    return jobsBySite(parseSqueueLines(lines), this.site);
  }

  /**
   * Submits the job held, unless it already is (live, or ended after running: the poll reports how).
   * One submission at a time per job across instances; a submission cut short by a crash is found
   * by name before submitting again.
   */
  async submitOnce(submission: SlurmSubmission): Promise<SlurmJob> {
    const existing = await this.find(submission.jobId);
    if (existing && !cancelledUnstarted(existing)) return existing;
    const [outcome] = await this.submitAll([submission]);
    if (outcome instanceof Error) throw outcome;
    return outcome;
  }

  /**
   * Submits each job held unless it already is: per chunk of SUBMIT_CHUNK jobs one `squeue` and one
   * `sbatch` per job (a few at once). Each job's submission lock is taken first (one at a time per
   * job across instances; a lock another worker holds is waited for a moment), then Slurm is read
   * again, so a submission cut short by a crash, or made meanwhile by another worker, is found by
   * name instead of submitted twice; a crash leaves at most a chunk's locks behind. One outcome per
   * submission: its Slurm job, or why not.
   */
  async submitAll(submissions: readonly SlurmSubmission[]): Promise<(SlurmJob | Error)[]> {
    const outcomes: (SlurmJob | Error)[] = [];
    for (let i = 0; i < submissions.length; i += SUBMIT_CHUNK)
      outcomes.push(...(await this.submitChunk(submissions.slice(i, i + SUBMIT_CHUNK))));
    return outcomes;
  }

  private async submitChunk(submissions: readonly SlurmSubmission[]): Promise<(SlurmJob | Error)[]> {
    const outcomes: (SlurmJob | Error | undefined)[] = submissions.map((s) =>
      s.slurm
        ? undefined
        : new ExecutorError(
            `job ${s.jobId} has no Slurm batch script or command (its "slurm" field), so ${this.site} cannot run it`,
          ),
    );
    const token = randomUUID();
    const locked = await settleEach([...submissions.keys()], SUBMIT_CHUNK, async (i) => {
      if (outcomes[i]) return;
      if (!(await this.lockSubmission(submissions[i].jobId, token)))
        outcomes[i] = new ExecutorError(
          `job ${submissions[i].jobId} is being submitted to ${this.site} by another worker`,
        );
    });
    const mine = [...submissions.keys()].filter((i) => !outcomes[i] && !locked[i]);
    try {
      if (mine.length > 0) {
        const known = await this.findAll(mine.map((i) => submissions[i].jobId));
        const toSubmit = mine.filter((i) => {
          const again = current(known.get(submissions[i].jobId) ?? []);
          if (again && !cancelledUnstarted(again)) outcomes[i] = again;
          return !outcomes[i];
        });
        const failures = await settleEach(toSubmit, ONE_BY_ONE_CONCURRENCY, async (i) => {
          const id = Number((await this.sbatch(submissions[i])).trim().split(';')[0]);
          outcomes[i] = heldJob(id, submissions[i].jobId);
        });
        toSubmit.forEach((i, k) => failures[k] && (outcomes[i] = failures[k]));
      }
      return outcomes.map((o, i) => o ?? locked[i] ?? new Error(`job ${submissions[i].jobId}: not submitted`));
    } finally {
      // Only our own locks: one that ran out and was taken by another worker stays theirs.
      await Promise.all(mine.map((i) => this.unlockSubmission(submissions[i].jobId, token)));
    }
  }

  /** Takes the job's submission lock; waits a little while another worker holds it (it is submitting the job). */
  private async lockSubmission(jobId: string, token: string): Promise<boolean> {
    const lock = this.keys.slurmSubmitting(this.site, jobId);
    const until = Date.now() + Math.min(this.config.timeoutMs, LOCK_WAIT_MS);
    for (;;) {
      if ((await this.redis.set(lock, token, 'PX', this.config.timeoutMs * 3 + 10_000, 'NX')) === 'OK') return true;
      if (Date.now() >= until) return false;
      await new Promise((r) => setTimeout(r, LOCK_RECHECK_MS));
    }
  }

  private async unlockSubmission(jobId: string, token: string): Promise<void> {
    await this.redis
      .eval(
        "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
        1,
        this.keys.slurmSubmitting(this.site, jobId),
        token,
      )
      .catch(() => undefined);
  }

  /** Rewrites a Slurm job's comment when the planned start it names changed. */
  async describe(job: SlurmJob, submission: SlurmSubmission): Promise<void> {
    const comment = slurmComment(submission.jobId, this.site, submission.name, submission.plannedStart);
    if (job.comment !== comment) await this.cli.run('scontrol', ['update', `JobId=${job.id}`, `Comment=${comment}`]);
  }

  /** Cancels every Slurm job of the Westwind job at this site that has not ended. */
  async cancel(jobId: string): Promise<void> {
    await this.runSteps(cancelSteps((await this.findAll([jobId])).get(jobId) ?? []));
  }

  private async sbatch(submission: SlurmSubmission): Promise<string> {
    const spec = submission.slurm!;
    const nodes = spec.nodes ?? 1;
    const args = [
      '--parsable',
      '--hold',
      '--requeue',
      `--job-name=${slurmJobName(submission.jobId)}`,
      `--comment=${slurmComment(submission.jobId, this.site, submission.name, submission.plannedStart)}`,
      ...(this.config.partition ? [`--partition=${this.config.partition}`] : []),
      ...(this.config.account ? [`--account=${this.config.account}`] : []),
      ...(this.config.qos ? [`--qos=${this.config.qos}`] : []),
      `--nodes=${nodes}`,
      `--gres=gpu:${Math.ceil(submission.gpus / nodes)}`,
      ...(spec.timeLimitMinutes ? [`--time=${spec.timeLimitMinutes}`] : []),
      ...(spec.workdir ? [`--chdir=${spec.workdir}`] : []),
      ...(spec.output ? [`--output=${spec.output}`] : []),
      // A requeued job appends to its output instead of starting it afresh: both runs stay readable.
      '--open-mode=append',
      // The job's environment is exactly this (plus Slurm's SLURM_*), never Westwind's own.
      '--export-file=3',
      ...(spec.command !== undefined ? [`--wrap=${spec.command}`] : []),
    ];
    // The script's own reports (progress, checkpoints): a token good for this job only, from this site.
    const token = await this.tokens.issue(this.site, submission.jobId);
    const environment = {
      PATH: DEFAULT_JOB_PATH,
      ...spec.environment,
      WESTWIND_JOB_ID: submission.jobId,
      WESTWIND_SITE: this.site,
      WESTWIND_EVENTS_TOKEN: token,
      ...(this.config.apiUrl && {
        WESTWIND_EVENTS_URL: `${this.config.apiUrl.replace(/\/+$/, '')}/v1/jobs/${submission.jobId}/events`,
      }),
    };
    const fd3 = Object.entries(environment)
      .map(([name, value]) => `${name}=${value}\0`)
      .join('');
    return this.cli.run('sbatch', args, { input: spec.command === undefined ? spec.script : undefined, fd3 });
  }

  /** Reads the job, does what is missing; reads again when Slurm's state changed in between (a pending job started). */
  private async act(load: () => Promise<SlurmJob>, stepsFor: (job: SlurmJob) => SlurmStep[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const job = await load();
      try {
        return await this.runSteps(stepsFor(job));
      } catch (error) {
        if (!(error instanceof SlurmCommandError) || error.unreachable || attempt >= ACTION_TRIES) throw error;
      }
    }
  }

  private async runSteps(steps: readonly SlurmStep[]): Promise<void> {
    for (const { verb, id } of steps) await this.cli.run(...commandFor(verb, [id]));
  }

  private missing(order: ExecutorOrder): never {
    throw new ExecutorError(`${order.action} at ${this.site}: no Slurm job ${slurmJobName(order.jobId)} in its queue`);
  }
}

function exhaustive(action: never): never {
  throw new Error(`unknown action ${String(action)}`);
}

/** What `sbatch --hold --parsable` just made: a held pending job. */
function heldJob(id: number, jobId: string): SlurmJob {
  return { id, name: slurmJobName(jobId), comment: '', state: 'PENDING', reason: 'JobHeldUser', held: true };
}

function isStart(order: ExecutorOrder): boolean {
  return order.action === 'start' || order.action === 'resume';
}

function submissionOf(order: ExecutorOrder): SlurmSubmission {
  return {
    jobId: order.jobId,
    name: order.job.name,
    gpus: order.job.gpus,
    slurm: order.job.slurm,
    plannedStart: order.at,
  };
}

/**
 * A Slurm job cancelled while held (the plan moved the job elsewhere, or it was called off before it
 * started): it never ran, so the job may be submitted anew. One that ran and ended is not: the poll
 * reports how it ended.
 */
function cancelledUnstarted(job: SlurmJob): boolean {
  return job.state === 'CANCELLED' && job.reason.startsWith('JobHeld');
}
