import {
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
  registerDecorator,
  ValidateIf,
} from 'class-validator';
import {
  ENVIRONMENT_NAME,
  MAX_ENVIRONMENT_ENTRIES,
  MAX_ENVIRONMENT_VALUE,
  MAX_SCRIPT_LENGTH,
  RESERVED_ENVIRONMENT,
  type SlurmJobSpec,
} from '../../domain/jobs/slurm-job-spec.js';

/** What is wrong with an environment map, or undefined when nothing is. */
function environmentProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return 'must be an object of names to string values';
  const entries = Object.entries(value);
  if (entries.length > MAX_ENVIRONMENT_ENTRIES) return `must have at most ${MAX_ENVIRONMENT_ENTRIES} variables`;
  for (const [name, text] of entries) {
    if (!ENVIRONMENT_NAME.test(name)) return `"${name.slice(0, 64)}" is not a variable name (letters, digits, _)`;
    if (RESERVED_ENVIRONMENT.test(name)) return `${name} is set by Westwind or Slurm, not by the job`;
    if (typeof text !== 'string') return `${name} must be a string`;
    if (text.length > MAX_ENVIRONMENT_VALUE || text.includes('\0'))
      return `${name} must be at most ${MAX_ENVIRONMENT_VALUE} characters, without NUL`;
  }
  return undefined;
}

function IsSlurmEnvironment() {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isSlurmEnvironment',
      target: object.constructor,
      propertyName,
      validator: {
        validate: (value: unknown) => environmentProblem(value) === undefined,
        defaultMessage: (args) => environmentProblem(args?.value) ?? 'is invalid',
      },
    });
}

function scriptProblem(script: unknown, command: unknown): string | undefined {
  if (script === undefined) return command === undefined ? 'give a batch script or a command' : undefined;
  if (command !== undefined) return 'give a batch script or a command, not both';
  if (typeof script !== 'string' || !script.startsWith('#!')) return 'must be a batch script starting with #!';
  if (script.length > MAX_SCRIPT_LENGTH || script.includes('\0'))
    return `must be at most ${MAX_SCRIPT_LENGTH} characters, without NUL`;
  return undefined;
}

function IsScriptOrCommand() {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isScriptOrCommand',
      target: object.constructor,
      propertyName,
      validator: {
        validate: (value: unknown, args) => scriptProblem(value, (args?.object as SlurmJobDto).command) === undefined,
        defaultMessage: (args) => scriptProblem(args?.value, (args?.object as SlurmJobDto).command) ?? 'is invalid',
      },
    });
}

const ABSOLUTE_PATH = /^\/[^\0\n]{0,1023}$/;

/** What a Slurm site needs to run the job; see SlurmJobSpec. Exactly one of script and command. */
export class SlurmJobDto implements SlurmJobSpec {
  /** Also checks the pair: exactly one of script and command. */
  @IsScriptOrCommand()
  script?: string;

  @ValidateIf((s: SlurmJobDto) => s.command !== undefined)
  @IsString()
  @Length(1, 4096)
  @Matches(/^[^\0]*$/, { message: 'must not contain NUL' })
  command?: string;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10_000)
  nodes?: number;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(366 * 24 * 60)
  timeLimitMinutes?: number;

  @IsOptional()
  @IsObject()
  @IsSlurmEnvironment()
  environment?: Record<string, string>;

  @IsOptional()
  @Matches(ABSOLUTE_PATH, { message: 'must be an absolute path' })
  workdir?: string;

  @IsOptional()
  @Matches(/^[^\0\n]{1,1024}$/, { message: 'must be a path' })
  output?: string;
}
