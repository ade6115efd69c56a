import 'reflect-metadata';
import { plainToInstance, Type } from 'class-transformer';
import {
  ArrayMinSize, ArrayUnique, IsArray, IsNumber, IsInt, IsOptional, IsString, Matches, Max, Min,
  MinLength, ValidateNested, validateSync, ValidationArguments, registerDecorator,
} from 'class-validator';
import { IANAZone } from 'luxon';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { FieldError, flattenValidationErrors } from '../common/field-errors.js';
import { ConfigError } from './config-error.js';

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
        defaultMessage: (args?: ValidationArguments) => `"${String(args?.value)}" is not an IANA time zone (for example Asia/Shanghai)`,
      },
    });
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
}

/** Where training data lives (the "East Data" side). */
export class DataRegionConfig {
  @Matches(ID, { message: ID_MESSAGE })
  id: string;

  @IsOptional()
  @IsString()
  name?: string;
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
}

/** Reads, interpolates and validates the YAML configuration; throws ConfigError naming every bad key. */
export function loadWestwindConfig(path: string, env: Record<string, string | undefined> = process.env): WestwindConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(path, [{ field: '(file)', message: `cannot be read: ${(error as Error).message}` }]);
  }
  return parseWestwindConfig(text, path, env);
}

export function parseWestwindConfig(text: string, source: string, env: Record<string, string | undefined> = {}): WestwindConfig {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    throw new ConfigError(source, [{ field: '(yaml)', message: (error as Error).message }]);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError(source, [{ field: '(root)', message: 'must be a mapping with zones, sites, dataRegions and tenants' }]);
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
function interpolate(value: unknown, env: Record<string, string | undefined>, missing: FieldError[], path: string): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (_, name: string, fallback?: string) => {
      const found = env[name] ?? fallback;
      if (found === undefined) missing.push({ field: path, message: `environment variable ${name} is not set and has no default` });
      return found ?? '';
    });
  }
  if (Array.isArray(value)) return value.map((item, i) => interpolate(item, env, missing, `${path}[${i}]`));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, env, missing, path ? `${path}.${k}` : k)]));
  }
  return value;
}

function crossReferenceProblems(config: WestwindConfig): FieldError[] {
  const problems: FieldError[] = [];
  const duplicates = (items: { id: string }[] | undefined, field: string) => {
    const seen = new Set<string>();
    (items ?? []).forEach((item, i) => {
      if (item && seen.has(item.id)) problems.push({ field: `${field}[${i}].id`, message: `duplicate id "${item.id}"` });
      seen.add(item?.id);
    });
  };
  duplicates(config.zones, 'zones');
  duplicates(config.sites, 'sites');
  duplicates(config.dataRegions, 'dataRegions');
  duplicates(config.tenants, 'tenants');
  const zoneIds = new Set((config.zones ?? []).map((z) => z?.id));
  (config.sites ?? []).forEach((site, i) => {
    if (site && !zoneIds.has(site.zone)) problems.push({ field: `sites[${i}].zone`, message: `unknown zone "${site.zone}"` });
  });
  const keyOwners = new Map<string, string>();
  (config.tenants ?? []).forEach((tenant, i) =>
    (tenant?.apiKeys ?? []).forEach((key, k) => {
      const owner = keyOwners.get(key);
      if (owner && owner !== tenant.id) problems.push({ field: `tenants[${i}].apiKeys[${k}]`, message: `key is also used by tenant "${owner}"` });
      keyOwners.set(key, tenant.id);
    }),
  );
  return problems;
}
