import 'reflect-metadata';
import { plainToInstance, Transform, Type } from 'class-transformer';
import {
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsNumber,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
  Length,
  MinLength,
  ValidateIf,
  ValidateNested,
  validateSync,
  ValidationArguments,
  registerDecorator,
} from 'class-validator';
import { Duration, IANAZone } from 'luxon';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { FieldError, flattenValidationErrors } from '../common/field-errors.js';
import { IsDuration } from '../common/is-duration.decorator.js';
import { OPSD_ZONES } from '../datasets/opsd.js';
import { ConfigError } from './config-error.js';
import { forecastErrorConfigOf, IsForecastErrorConfig, type ForecastErrorConfig } from './forecast-error-config.js';
import { type ForecastProviderConfig, forecastProviderConfigsOf, IsProviderSet } from './forecast-provider-config.js';
import { RetryPolicyConfig } from './retry-policy-config.js';

const ID = /^[a-z0-9][a-z0-9-]{0,62}$/;
const ID_MESSAGE = 'must be a lower-case id of letters, digits and dashes';

function IsIanaZone() {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isIanaZone',
      target: object.constructor,
      propertyName,
      validator: {
        validate: (value: unknown) => typeof value === 'string' && IANAZone.isValidZone(value),
        defaultMessage: (args?: ValidationArguments) =>
          `"${String(args?.value)}" is not an IANA time zone (for example Asia/Shanghai)`,
      },
    });
}

const HHMM = /^([01]\d|2[0-4]):[0-5]\d$/;

/** A local-time peak window of a zone, for example 17:00–22:00 every day. */
export class PeakWindowConfig {
  @Matches(HHMM, { message: 'must be a time of day HH:mm' })
  from: string;

  @Matches(HHMM, { message: 'must be a time of day HH:mm' })
  to: string;

  @IsOptional()
  @IsIn(['every-day', 'weekdays'])
  days?: 'every-day' | 'weekdays';
}

/** How a zone's peak hours are found: local windows and/or hours near the day's maximum load. */
export class PeakRulesConfig {
  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => PeakWindowConfig)
  windows?: PeakWindowConfig[];

  /** Hours whose forecast load is within this fraction of the local day's maximum are peak. */
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  loadWithin?: number;
}

/** A grid zone: the area one set of forecasts describes, reasoned about in its own local time. */
export class ZoneConfig {
  @Matches(ID, { message: ID_MESSAGE })
  id: string;

  @IsOptional()
  @IsString()
  name?: string;

  @IsIanaZone()
  timeZone: string;

  @IsOptional()
  @ValidateNested()
  @Type(() => PeakRulesConfig)
  peak?: PeakRulesConfig;

  /** Forecast providers pulled on a schedule (see docs/forecast-providers.md): one config class per type. */
  @IsArray()
  @IsProviderSet()
  @ValidateNested({ each: true })
  @Transform(({ obj }) => forecastProviderConfigsOf((obj as { providers?: unknown }).providers ?? []), {
    toClassOnly: true,
  })
  providers: ForecastProviderConfig[] = [];

  /**
   * Relative error of green supply by lead time, for where a forecast has no P10/P90 band: overrides
   * the figure measured from the zone's past forecasts (docs/grid-signals.md). Reported in /v1/zones and
   * /metrics; the planner does not use it yet.
   */
  @IsOptional()
  @IsForecastErrorConfig()
  @Transform(({ value }) => forecastErrorConfigOf(value), { toClassOnly: true })
  forecastError?: ForecastErrorConfig;

  /**
   * Mean absolute relative error of the zone's load forecasts by lead time, the same syntax as `forecastError`:
   * overrides the figure measured from the zone's past forecasts, else a documented default (docs/grid-signals.md).
   * With `peak.loadWithin`, every hour with a 5% chance of turning out a load-derived peak under this error is one.
   */
  @IsOptional()
  @IsForecastErrorConfig()
  @Transform(({ value }) => forecastErrorConfigOf(value), { toClassOnly: true })
  loadForecastError?: ForecastErrorConfig;
}

/**
 * A site's claim on its zone's renewable output: a contracted share of it plus a share of the
 * zone's surplus. Default: no contract, all of the surplus (capped at the site's power).
 */
export class SupplyConfig {
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  renewableShare: number = 0;

  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  surplusShare: number = 1;
}

export const EXECUTOR_TYPES = ['simulated', 'http', 'slurm'] as const;
export type ExecutorType = (typeof EXECUTOR_TYPES)[number];

/**
 * What every executor shares: how long an action may take, how it is retried (an action that used up its
 * attempts marks the job failed) and how actions are paced.
 */
export abstract class BaseExecutorConfig extends RetryPolicyConfig({
  timeoutMs: 5000,
  attempts: 5,
  maxAttempts: 20,
  backoffMs: 1000,
  maxBackoffMs: 600_000,
}) {
  abstract readonly type: ExecutorType;

  /**
   * At most this many actions per second go to the site, across all instances (BullMQ's queue-wide
   * limiter): when an hour begins and the plan starts thousands of jobs at once, the burst is
   * spread over seconds instead of taking Redis (and so every API request) for them.
   */
  @IsInt()
  @Min(1)
  @Max(100_000)
  maxActionsPerSecond: number = 1000;

  /** Actions each instance carries out at once at the site (its dispatch worker's concurrency). */
  @IsInt()
  @Min(1)
  @Max(1000)
  concurrency: number = 16;
}

/** Runs the actions against the service clock (demo, tests). */
export class SimulatedExecutorConfig extends BaseExecutorConfig {
  @IsIn(['simulated'])
  readonly type = 'simulated' as const;
}

/**
 * POSTs each action, signed per Standard Webhooks, to the site agent (or the job's callbackUrl),
 * which reports back via POST /v1/jobs/:id/events.
 */
export class HttpExecutorConfig extends BaseExecutorConfig {
  @IsIn(['http'])
  readonly type = 'http' as const;

  @IsUrl(
    { require_tld: false, protocols: ['http', 'https'], require_protocol: true },
    { message: 'must be the http(s) URL of the site agent' },
  )
  url: string;

  /** whsec_ secret the http executor signs with; the agent verifies with it. */
  @Matches(/^whsec_[A-Za-z0-9+/=]{24,}$/, { message: 'must be whsec_ followed by base64 (at least 18 bytes)' })
  secret: string;
}

export const SLURM_PAUSE_MODES = ['requeue', 'suspend'] as const;
export type SlurmPauseMode = (typeof SLURM_PAUSE_MODES)[number];
/** What a Slurm site's powerCommand may name, each as {name}. */
export const SLURM_POWER_PLACEHOLDERS = ['node', 'watts', 'fraction', 'jobId', 'slurmJobId'] as const;
/** One powerCommand element: text without braces or NUL, and known placeholders. */
const SLURM_POWER_ARGUMENT = new RegExp(`^(?:[^{}\\0]|\\{(?:${SLURM_POWER_PLACEHOLDERS.join('|')})\\})*$`);
const usesWatts = (argument: unknown) => typeof argument === 'string' && argument.includes('{watts}');

/** What is wrong with a powerCommand, or undefined when nothing is. */
function powerCommandProblem(value: unknown): string | undefined {
  if (!Array.isArray(value)) return 'must be a list: the command, then its arguments';
  if (value.length === 0) return 'must name a command';
  if (value.length > 64) return 'must have at most 64 elements';
  if (!value.every((a) => typeof a === 'string' && a.length >= 1 && a.length <= 1024))
    return 'each element must be a string of 1-1024 characters';
  if (!value.every((a: string) => SLURM_POWER_ARGUMENT.test(a)))
    return `each element may hold only the placeholders ${SLURM_POWER_PLACEHOLDERS.map((p) => `{${p}}`).join(' ')}`;
  return undefined;
}

function IsPowerCommand() {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isPowerCommand',
      target: object.constructor,
      propertyName,
      validator: {
        validate: (value: unknown) => powerCommandProblem(value) === undefined,
        defaultMessage: (args?: ValidationArguments) => powerCommandProblem(args?.value) ?? '',
      },
    });
}

/** A whole number from `min` to `max`, with one message for whatever is wrong. */
function IsWholeNumberIn(min: number, max: number, message: string) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isWholeNumberIn',
      target: object.constructor,
      propertyName,
      options: { message },
      validator: {
        validate: (value: unknown) => Number.isInteger(value) && (value as number) >= min && (value as number) <= max,
      },
    });
}
/** Slurm's names for partitions, accounts and QoS: no spaces, nothing a command line could misread. */
const SLURM_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;
const SLURM_NAME_MESSAGE = 'must be a Slurm name (letters, digits, _ . -)';

/**
 * Drives a Slurm cluster with its client commands (sbatch, scontrol, scancel, squeue), run without a
 * shell against the cluster's slurm.conf. A job is submitted held (`--hold --requeue`) before its
 * planned start; start and resume release it, pause requeue-holds it (SIGTERM: it checkpoints and
 * leaves its GPUs) or, in `suspend` mode, suspends it (SIGSTOP: its GPUs stay allocated).
 */
export class SlurmExecutorConfig extends BaseExecutorConfig {
  @IsIn(['slurm'])
  readonly type = 'slurm' as const;

  /** The cluster's slurm.conf, as SLURM_CONF for the client commands; default: theirs (/etc/slurm/slurm.conf). */
  @IsOptional()
  @Matches(/^\/[^\0]{0,1023}$/, { message: 'must be an absolute path' })
  slurmConf?: string;

  /** Where sbatch, scontrol, scancel and squeue are; default: the service's PATH. */
  @IsOptional()
  @Matches(/^\/[^\0]{0,1023}$/, { message: 'must be an absolute path' })
  binDir?: string;

  @IsOptional()
  @Matches(SLURM_NAME, { message: SLURM_NAME_MESSAGE })
  partition?: string;

  @IsOptional()
  @Matches(SLURM_NAME, { message: SLURM_NAME_MESSAGE })
  account?: string;

  @IsOptional()
  @Matches(SLURM_NAME, { message: SLURM_NAME_MESSAGE })
  qos?: string;

  /** requeue: SIGTERM, checkpoint, GPUs freed, held until resumed. suspend: SIGSTOP, GPUs kept (short pauses). */
  @IsIn(SLURM_PAUSE_MODES, { message: `must be one of ${SLURM_PAUSE_MODES.join(', ')}` })
  pauseMode: SlurmPauseMode = 'requeue';

  /**
   * Westwind's API as the cluster's compute nodes reach it (e.g. https://westwind.example.org): each
   * batch script gets WESTWIND_EVENTS_URL (<apiUrl>/v1/jobs/<id>/events) beside its job's own
   * WESTWIND_EVENTS_TOKEN, to report progress and checkpoints. Default: the token only.
   */
  @IsOptional()
  @IsUrl(
    { require_tld: false, protocols: ['http', 'https'], require_protocol: true },
    { message: "must be the http(s) URL of Westwind's API as the compute nodes reach it" },
  )
  apiUrl?: string;

  /** How often (real ms) the site's queue is read (one squeue call) to follow its jobs. */
  @IsInt()
  @Min(100)
  @Max(600_000)
  pollMs: number = 2000;

  /**
   * How a running job's GPUs are power-capped (setPower): a command and its arguments, run without a
   * shell (each element one argument), once per node of the job when it names {node}, else once. The
   * placeholders: {node}, {watts} (the fraction × gpuWatts, whole watts per GPU), {fraction} (0-1),
   * {jobId} (Westwind's), {slurmJobId}. E.g. ["ssh", "{node}", "nvidia-smi", "-pl", "{watts}"]. Absent:
   * the site does not cap power (the planner's caps there are not carried out).
   */
  @IsOptional()
  @IsPowerCommand()
  powerCommand?: string[];

  /** Full power of one GPU in watts, for powerCommand's {watts}; needed when it names {watts}. */
  @ValidateIf(
    (c: SlurmExecutorConfig) =>
      c.gpuWatts !== undefined || (Array.isArray(c.powerCommand) && c.powerCommand.some(usesWatts)),
  )
  @IsWholeNumberIn(50, 5000, 'must be the full power of one GPU in whole watts, 50-5000 (powerCommand uses {watts})')
  gpuWatts?: number;

  /**
   * Many at once: the actions in flight together are carried out as one batch (one squeue, one
   * scontrol per verb over a job list), so a peak boundary's pauses take a few commands, not two each.
   */
  override concurrency: number = 256;
}

/** An executor whose type is none of EXECUTOR_TYPES: only its type is checked, and reported. */
class UnknownExecutorConfig {
  @IsIn(EXECUTOR_TYPES, { message: `must be one of ${EXECUTOR_TYPES.join(', ')}` })
  type: unknown;
}

/** How a site runs the service's start, pause, resume and cancel actions: one config class per executor type. */
export type ExecutorConfig = SimulatedExecutorConfig | HttpExecutorConfig | SlurmExecutorConfig;

const EXECUTOR_CONFIGS: Record<ExecutorType, new () => ExecutorConfig> = {
  simulated: SimulatedExecutorConfig,
  http: HttpExecutorConfig,
  slurm: SlurmExecutorConfig,
};

/** The config class of the executor's type (simulated when none is given), so other types' fields are refused. */
function executorConfigOf(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const type = (value as { type?: unknown }).type ?? 'simulated';
  const known = typeof type === 'string' && Object.hasOwn(EXECUTOR_CONFIGS, type);
  if (!known) return plainToInstance(UnknownExecutorConfig, { type });
  return plainToInstance(EXECUTOR_CONFIGS[type as ExecutorType], { ...value, type });
}

/** A compute hub: GPUs at one place in one zone. */
export class SiteConfig {
  @Matches(ID, { message: ID_MESSAGE })
  id: string;

  @IsOptional()
  @IsString()
  name?: string;

  @IsString()
  zone: string;

  @IsInt({ message: 'must be a whole number of GPUs' })
  @Min(1)
  gpus: number;

  /** Electrical draw of one busy GPU with its share of the server, in kW. */
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0.01)
  @Max(10)
  kwPerGpu: number;

  /** Power usage effectiveness: facility power over IT power. */
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(1)
  @Max(3)
  pue: number;

  @ValidateNested()
  @Type(() => SupplyConfig)
  supply: SupplyConfig = new SupplyConfig();

  /** A standing cap on grid import, MW (OpenADR events may set tighter ones). */
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  importCapMw?: number;

  @ValidateNested()
  @Transform(({ obj }) => executorConfigOf((obj as { executor?: unknown }).executor), { toClassOnly: true })
  executor: ExecutorConfig = new SimulatedExecutorConfig();

  /**
   * Whether the site can cap a running job's GPU power (setPower), so the planner may cap instead of
   * pausing: simulated and http sites can; a Slurm site only with a powerCommand.
   */
  get capsPower(): boolean {
    return this.executor.type !== 'slurm' || (this.executor.powerCommand?.length ?? 0) > 0;
  }

  /** Bearer keys the site's agent reports job events with. */
  @IsArray()
  @ArrayUnique()
  @IsString({ each: true })
  @MinLength(16, { each: true, message: 'each agent key must be at least 16 characters' })
  agentKeys: string[] = [];
}

/** A grid operator or energy desk allowed to push forecasts, per Standard Webhooks. */
export class WebhookSenderConfig {
  @Matches(ID, { message: ID_MESSAGE })
  id: string;

  /** whsec_ secrets; several at once so a sender can rotate. */
  @IsArray()
  @ArrayMinSize(1)
  @Matches(/^whsec_[A-Za-z0-9+/=]{24,}$/, {
    each: true,
    message: 'each secret must be whsec_ followed by base64 (at least 18 bytes)',
  })
  secrets: string[];

  /** Zones this sender may publish; default all. */
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  zones?: string[];
}

/** Which zone (and sites) an OpenADR program's events apply to. */
export class OpenAdrProgramConfig {
  @IsString()
  @Length(1, 128)
  programId: string;

  @IsString()
  zone: string;

  /** Sites the events apply to; default every site in the zone. */
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  sites?: string[];

  /** Unit of IMPORT_CAPACITY_LIMIT values and of the firm service level. */
  @IsIn(['kW', 'MW'])
  capacityUnit: 'kW' | 'MW' = 'kW';

  /**
   * Grid import the sites keep in a grid emergency (SIMPLE level ≥ 2, ALERT_GRID_EMERGENCY,
   * ALERT_BLACK_START), in capacityUnit: the contract's firm service level. 0: only green supply.
   */
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  firmServiceLevel: number = 0;
}

/**
 * Where the curtailment each event delivered is reported (OpenADR 3 `POST /reports`), once the
 * event ends; retried with exponential backoff.
 */
export class OpenAdrVtnConfig extends RetryPolicyConfig({
  timeoutMs: 10_000,
  attempts: 10,
  maxAttempts: 100,
  backoffMs: 5000,
  maxBackoffMs: 3_600_000,
}) {
  /** The VTN's base URL (the reports endpoint is `<url>/reports`). */
  @IsUrl(
    { require_tld: false, protocols: ['http', 'https'], require_protocol: true },
    { message: 'must be the http(s) base URL of the VTN' },
  )
  url: string;

  /** Bearer token for the VTN; default the subscription's token. */
  @IsOptional()
  @IsString()
  @MinLength(16, { message: 'must be at least 16 characters' })
  token?: string;

  /** The report's clientName: the VEN's name at the VTN. */
  @IsString()
  @Length(1, 128)
  venName: string = 'westwind';
}

/** A utility's VTN subscription: its notifications carry this bearer token. */
export class OpenAdrSubscriptionConfig {
  @Matches(ID, { message: ID_MESSAGE })
  id: string;

  @IsString()
  @MinLength(16, { message: 'must be at least 16 characters' })
  token: string;

  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => OpenAdrProgramConfig)
  programs: OpenAdrProgramConfig[];

  /** Reports of delivered curtailment go here; without it they are only in GET /v1/events/:id/report. */
  @IsOptional()
  @ValidateNested()
  @Type(() => OpenAdrVtnConfig)
  vtn?: OpenAdrVtnConfig;
}

export const OPERATOR_ROLES = ['admin', 'viewer'] as const;
export type OperatorRole = (typeof OPERATOR_ROLES)[number];

/**
 * Operators: people and tools that watch the dashboard, bull-board and metrics, and upload
 * forecasts by hand (CSV). A viewer only reads: bull-board in read-only mode, no uploads.
 */
export class OperatorConfig {
  @Matches(ID, { message: ID_MESSAGE })
  id: string;

  @IsOptional()
  @IsIn(OPERATOR_ROLES, { message: `must be one of ${OPERATOR_ROLES.join(', ')}` })
  role: OperatorRole = 'admin';

  @IsArray()
  @ArrayMinSize(1)
  @IsString({ each: true })
  @MinLength(16, { each: true, message: 'each API key must be at least 16 characters' })
  apiKeys: string[];
}

/** Where training data lives (the "East Data" side). */
export class DataRegionConfig {
  @Matches(ID, { message: ID_MESSAGE })
  id: string;

  @IsOptional()
  @IsString()
  name?: string;

  /**
   * Bandwidth in Gbit/s from this region to each distant site: a job whose data lives here starts
   * there only after datasetGb has crossed the link. Sites not listed are next to the data (no wait).
   */
  @IsOptional()
  @IsObject()
  linksGbps?: Record<string, number>;
}

export class TenantConfig {
  @Matches(ID, { message: ID_MESSAGE })
  id: string;

  @IsOptional()
  @IsString()
  name?: string;

  /** Bearer keys of this tenant; several at once so keys can be rotated. */
  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsString({ each: true })
  @MinLength(16, { each: true, message: 'each API key must be at least 16 characters' })
  apiKeys: string[];
}

/** At most `requests` requests in any fixed window of `perSeconds` seconds. */
export class RateLimitConfig {
  // Numbers may come from `${ENV}` interpolation, which yields strings.
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(10_000_000)
  requests: number;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(3600)
  perSeconds: number;

  static of(requests: number, perSeconds: number): RateLimitConfig {
    return Object.assign(new RateLimitConfig(), { requests, perSeconds });
  }
}

/**
 * Request budgets, counted in Redis so they hold across every instance: per tenant (all its API
 * requests) and per grid sender (a webhook sender's or an OpenADR VTN's notifications).
 */
export class RateLimitsConfig {
  @ValidateNested()
  @Type(() => RateLimitConfig)
  tenant = RateLimitConfig.of(1200, 10);

  @ValidateNested()
  @Type(() => RateLimitConfig)
  sender = RateLimitConfig.of(300, 60);
}

/** How long Redis keeps what is over. */
export class RetentionConfig {
  /**
   * Finished jobs (completed, cancelled, failed) stay readable this long after they finished,
   * then housekeeping forgets them; Redis holds about (jobs finished per day × days) of them.
   */
  @IsDuration('P3650D')
  finishedJobs: string = 'P30D';

  get finishedJobsMs(): number {
    return Duration.fromISO(this.finishedJobs).toMillis();
  }
}

export class PlannerConfig {
  /**
   * Re-plans of up to this many deferrable jobs are guided by the LP relaxation's GPU-hour prices (docs/planner.md,
   * "Guided by the LP's prices"), solved on the planner's thread once per plan hour and at most once a minute of real
   * time; 0 turns the guide off. Each guided re-plan places the jobs twice and keeps the better plan.
   */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(5000)
  priceGuideMaxJobs: number = 400;

  /**
   * HiGHS's time for the guide's LP, seconds: past it the re-plans go unguided until the guide is due again (a minute
   * of real time later). The solve takes about a second at a few hundred jobs here.
   */
  @Type(() => Number)
  @IsNumber()
  @Min(0.1)
  @Max(600)
  priceGuideSolveSeconds: number = 10;

  /**
   * Each re-plan starts from the plan before it, where its hours still hold (docs/planner.md, step 8). Off: every
   * re-plan starts afresh, about a quarter quicker. In the demo at 63% load: 6 jobs late in two runs with it, 34
   * without (docs/planner-benchmark.md, "Warm start").
   */
  @Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value), {
    toClassOnly: true,
  })
  @IsBoolean({ message: 'must be true or false' })
  warmStart: boolean = true;
}

/**
 * The self-running demo: a virtual clock, forecasts replayed from the bundled real grid data
 * (OPSD 2019 control areas), and a trickle of sample training jobs from the ITP trace.
 */
export class DemoConfig {
  /** Simulated seconds per real second (720: an hour every 5 s). */
  @IsNumber()
  @Min(1)
  @Max(100_000)
  speed: number = 720;

  /** The demo clock starts at the last such local time (first zone's time zone), just before the evening peak. */
  @Matches(/^([01]\d|2[0-3]):[0-5]\d$/, { message: 'must be a time of day HH:mm' })
  startLocalTime: string = '14:00';

  /** Which bundled series each zone replays: zone id → 50hertz, amprion, tennet or transnetbw. */
  @IsObject()
  replay: Record<string, string>;

  /** The trace's GPU counts (2017 single-node jobs, mostly 1–8 GPUs) times this, toward today's training jobs. */
  @IsNumber()
  @Min(1)
  @Max(64)
  gpuScale: number = 1;

  /** Sample jobs submitted per simulated hour, for this tenant. */
  @IsNumber()
  @Min(0)
  @Max(1000)
  jobsPerHour: number = 6;

  @Matches(ID, { message: ID_MESSAGE })
  tenant: string;
}

export class WestwindConfig {
  @IsArray()
  @ArrayMinSize(1)
  @ValidateNested({ each: true })
  @Type(() => ZoneConfig)
  zones: ZoneConfig[];

  @IsArray()
  @ArrayMinSize(1)
  @ValidateNested({ each: true })
  @Type(() => SiteConfig)
  sites: SiteConfig[];

  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => DataRegionConfig)
  dataRegions: DataRegionConfig[] = [];

  @IsArray()
  @ArrayMinSize(1)
  @ValidateNested({ each: true })
  @Type(() => TenantConfig)
  tenants: TenantConfig[];

  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => WebhookSenderConfig)
  webhookSenders: WebhookSenderConfig[] = [];

  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => OperatorConfig)
  operators: OperatorConfig[] = [];

  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => OpenAdrSubscriptionConfig)
  openadr: OpenAdrSubscriptionConfig[] = [];

  @ValidateNested()
  @Type(() => RateLimitsConfig)
  rateLimits: RateLimitsConfig = new RateLimitsConfig();

  @ValidateNested()
  @Type(() => RetentionConfig)
  retention: RetentionConfig = new RetentionConfig();

  @ValidateNested()
  @Type(() => PlannerConfig)
  planner: PlannerConfig = new PlannerConfig();

  /** Present in the demo configuration only; a production config leaves it out. */
  @IsOptional()
  @ValidateNested()
  @Type(() => DemoConfig)
  demo?: DemoConfig;
}

/** Each grid zone's IANA time zone, by zone id: where a site's hours are reasoned about and shown. */
export function timeZonesByZone(config: Pick<WestwindConfig, 'zones'>): Map<string, string> {
  return new Map(config.zones.map((zone) => [zone.id, zone.timeZone]));
}

/** Reads, interpolates and validates the YAML configuration; throws ConfigError naming every bad key. */
export function loadWestwindConfig(
  path: string,
  env: Record<string, string | undefined> = process.env,
): WestwindConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(path, [{ field: '(file)', message: `cannot be read: ${(error as Error).message}` }]);
  }
  return parseWestwindConfig(text, path, env);
}

export function parseWestwindConfig(
  text: string,
  source: string,
  env: Record<string, string | undefined> = {},
): WestwindConfig {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    throw new ConfigError(source, [{ field: '(yaml)', message: (error as Error).message }]);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError(source, [
      { field: '(root)', message: 'must be a mapping with zones, sites, dataRegions and tenants' },
    ]);
  }
  const missing: FieldError[] = [];
  const config = plainToInstance(WestwindConfig, interpolate(raw, env, missing, ''));
  const problems = [
    ...missing,
    ...flattenValidationErrors(validateSync(config, { whitelist: true, forbidNonWhitelisted: true })),
    ...crossReferenceProblems(config),
  ];
  if (problems.length > 0) throw new ConfigError(source, problems);
  return config;
}

/** In string values, `${NAME}` and `${NAME:-default}` read the environment, so secrets stay out of the file. */
function interpolate(
  value: unknown,
  env: Record<string, string | undefined>,
  missing: FieldError[],
  path: string,
): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (_, name: string, fallback?: string) => {
      const found = env[name] ?? fallback;
      if (found === undefined)
        missing.push({ field: path, message: `environment variable ${name} is not set and has no default` });
      return found ?? '';
    });
  }
  if (Array.isArray(value)) return value.map((item, i) => interpolate(item, env, missing, `${path}[${i}]`));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, interpolate(v, env, missing, path ? `${path}.${k}` : k)]),
    );
  }
  return value;
}

function crossReferenceProblems(config: WestwindConfig): FieldError[] {
  const problems: FieldError[] = [];
  const duplicates = (items: { id: string }[] | undefined, field: string) => {
    const seen = new Set<string>();
    (items ?? []).forEach((item, i) => {
      if (item && seen.has(item.id))
        problems.push({ field: `${field}[${i}].id`, message: `duplicate id "${item.id}"` });
      seen.add(item?.id);
    });
  };
  duplicates(config.zones, 'zones');
  duplicates(config.sites, 'sites');
  duplicates(config.dataRegions, 'dataRegions');
  duplicates(config.tenants, 'tenants');
  duplicates(config.webhookSenders, 'webhookSenders');
  duplicates(config.operators, 'operators');
  const zoneIds = new Set((config.zones ?? []).map((z) => z?.id));
  (config.webhookSenders ?? []).forEach((sender, i) =>
    sender?.zones?.forEach((zone, k) => {
      if (!zoneIds.has(zone))
        problems.push({ field: `webhookSenders[${i}].zones[${k}]`, message: `unknown zone "${zone}"` });
    }),
  );
  const siteIds = new Set((config.sites ?? []).map((s) => s?.id));
  (config.dataRegions ?? []).forEach((region, i) =>
    Object.entries(region?.linksGbps ?? {}).forEach(([site, gbps]) => {
      if (!siteIds.has(site))
        problems.push({ field: `dataRegions[${i}].linksGbps.${site}`, message: `unknown site "${site}"` });
      else if (typeof gbps !== 'number' || !Number.isFinite(gbps) || gbps <= 0)
        problems.push({ field: `dataRegions[${i}].linksGbps.${site}`, message: 'must be a positive number of Gbit/s' });
    }),
  );
  (config.openadr ?? []).forEach((subscription, i) =>
    subscription?.programs?.forEach((program, k) => {
      if (!zoneIds.has(program.zone))
        problems.push({ field: `openadr[${i}].programs[${k}].zone`, message: `unknown zone "${program.zone}"` });
      program.sites?.forEach((site, n) => {
        if (!siteIds.has(site))
          problems.push({ field: `openadr[${i}].programs[${k}].sites[${n}]`, message: `unknown site "${site}"` });
      });
    }),
  );
  (config.sites ?? []).forEach((site, i) => {
    if (site && !zoneIds.has(site.zone))
      problems.push({ field: `sites[${i}].zone`, message: `unknown zone "${site.zone}"` });
  });
  const demo = config.demo;
  if (demo) {
    const tenantIds = new Set((config.tenants ?? []).map((t) => t?.id));
    if (!tenantIds.has(demo.tenant))
      problems.push({ field: 'demo.tenant', message: `unknown tenant "${demo.tenant}"` });
    Object.entries(demo.replay ?? {}).forEach(([zone, area]) => {
      if (!zoneIds.has(zone)) problems.push({ field: `demo.replay.${zone}`, message: `unknown zone "${zone}"` });
      if (!(OPSD_ZONES as readonly string[]).includes(area))
        problems.push({ field: `demo.replay.${zone}`, message: `must be one of ${OPSD_ZONES.join(', ')}` });
    });
  }
  const keyOwners = new Map<string, string>();
  const keyLists = [
    ...(config.tenants ?? []).map((t, i) => ({
      owner: `tenants:${t?.id}`,
      field: `tenants[${i}].apiKeys`,
      keys: t?.apiKeys,
    })),
    ...(config.operators ?? []).map((o, i) => ({
      owner: `operators:${o?.id}`,
      field: `operators[${i}].apiKeys`,
      keys: o?.apiKeys,
    })),
    ...(config.sites ?? []).map((s, i) => ({
      owner: `sites:${s?.id}`,
      field: `sites[${i}].agentKeys`,
      keys: s?.agentKeys,
    })),
  ];
  for (const { owner, field, keys } of keyLists) {
    (keys ?? []).forEach((key, k) => {
      const other = keyOwners.get(key);
      if (other && other !== owner)
        problems.push({ field: `${field}[${k}]`, message: `key is also used by ${other.replace(':', ' ')}` });
      keyOwners.set(key, owner);
    });
  }
  return problems;
}
