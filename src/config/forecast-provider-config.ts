import 'reflect-metadata';
import { plainToInstance, Transform, Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
  MinLength,
  registerDecorator,
  ValidateNested,
} from 'class-validator';
import { Duration } from 'luxon';

export const FORECAST_PROVIDER_TYPES = ['entsoe', 'electricity-maps', 'watttime'] as const;
export type ForecastProviderType = (typeof FORECAST_PROVIDER_TYPES)[number];
/** Providers that give only carbon intensity: a zone takes its carbon from one of them at most. */
export const CARBON_PROVIDER_TYPES: readonly ForecastProviderType[] = ['electricity-maps', 'watttime'];

/** `refresh` as minutes (a number, or digits from `${ENV}`) becomes an ISO duration. */
function minutesToDuration({ value }: { value: unknown }): unknown {
  if (typeof value === 'number' && Number.isFinite(value)) return `PT${value}M`;
  if (typeof value === 'string' && /^\d+$/.test(value.trim())) return `PT${value.trim()}M`;
  return value;
}

const REFRESH_MIN_MS = 60_000;
const REFRESH_MAX_MS = 86_400_000;

/** An ISO 8601 duration from a minute to a day. */
function IsRefresh() {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isRefresh',
      target: object.constructor,
      propertyName,
      validator: {
        validate: (value: unknown) => {
          const ms = typeof value === 'string' ? Duration.fromISO(value).toMillis() : NaN;
          return ms >= REFRESH_MIN_MS && ms <= REFRESH_MAX_MS;
        },
        defaultMessage: () => 'must be an ISO 8601 duration (PT1H) or a number of minutes, from 1 minute to 1 day',
      },
    });
}

/** What every forecast provider of a zone shares: how often it is pulled, where, and how long a request may take. */
export abstract class BaseForecastProviderConfig {
  abstract readonly type: ForecastProviderType;

  /** Pull every so often (service clock): an ISO duration or a number of minutes, from 1 minute to 1 day. */
  @Transform(minutesToDuration, { toClassOnly: true })
  @IsRefresh()
  refresh: string = 'PT1H';

  /** Scheme, host and optional path of the API; set for tests and proxies, else the provider's own. */
  @IsOptional()
  @IsUrl(
    { require_tld: false, protocols: ['http', 'https'], require_protocol: true },
    { message: 'must be an http(s) URL' },
  )
  baseUrl?: string;

  /** One HTTP request's limit, real milliseconds. */
  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(120_000)
  timeoutMs: number = 10_000;

  abstract get defaultBaseUrl(): string;
  /** The provider's id of the area, whatever it calls it. */
  abstract get area(): string;
  /** Resolved credentials, as the driver reads them; never shown. */
  abstract get credentials(): Record<string, string>;

  get refreshMs(): number {
    return Duration.fromISO(this.refresh).toMillis();
  }
}

/**
 * A provider's request budget, counted across every instance of the deployment (a BullMQ queue's
 * limiter; docs/forecast-providers.md). Default: ENTSO-E's published 400 requests a minute per token.
 */
export class RequestRateConfig {
  @IsInt()
  @Min(6)
  @Max(100_000)
  requests: number = 400;

  @IsInt()
  @Min(1)
  @Max(3600)
  windowSeconds: number = 60;
}

/** ENTSO-E Transparency Platform: day-ahead wind and solar (A69) and load (A65) of a bidding zone. */
export class EntsoeProviderConfig extends BaseForecastProviderConfig {
  @IsIn(['entsoe'])
  readonly type = 'entsoe' as const;

  /** EIC code of the bidding zone, 16 characters, e.g. 10YFI-1--------U (Finland). */
  @Matches(/^\d{2}[A-Z][A-Z0-9-]{13}$/, { message: 'must be a 16-character EIC area code, e.g. 10YFI-1--------U' })
  area: string;

  /** The platform's security token; write it as `${ENV}`. */
  @IsString()
  @MinLength(8, { message: 'must be the security token (write it as ${ENV})' })
  token: string;

  /**
   * At most this many requests per window to ENTSO-E, all zones and instances together (lower it if
   * other tools use the same token). The tightest of the zones' figures applies.
   */
  @ValidateNested()
  @Type(() => RequestRateConfig)
  rateLimit: RequestRateConfig = new RequestRateConfig();

  get defaultBaseUrl(): string {
    return 'https://web-api.tp.entsoe.eu';
  }

  get credentials(): Record<string, string> {
    return { token: this.token };
  }
}

/** Electricity Maps API v3: carbon-intensity forecast of a zone. */
export class ElectricityMapsProviderConfig extends BaseForecastProviderConfig {
  @IsIn(['electricity-maps'])
  readonly type = 'electricity-maps' as const;

  /** Electricity Maps zone key, e.g. NL or DE. */
  @Matches(/^[A-Z]{2}(-[A-Z0-9-]{1,20})?$/, { message: 'must be an Electricity Maps zone key, e.g. NL or US-CAL-CISO' })
  zone: string;

  /** The auth-token header's value; write it as `${ENV}`. */
  @IsString()
  @MinLength(8, { message: 'must be the auth-token (write it as ${ENV})' })
  token: string;

  get defaultBaseUrl(): string {
    return 'https://api.electricitymap.org';
  }

  get area(): string {
    return this.zone;
  }

  get credentials(): Record<string, string> {
    return { token: this.token };
  }
}

/** WattTime API v3: marginal emissions (co2_moer) forecast of a region. */
export class WattTimeProviderConfig extends BaseForecastProviderConfig {
  @IsIn(['watttime'])
  readonly type = 'watttime' as const;

  /** WattTime region abbreviation, e.g. CAISO_NORTH. */
  @Matches(/^[A-Za-z0-9_-]{2,64}$/, { message: 'must be a WattTime region, e.g. CAISO_NORTH' })
  region: string;

  /** Account name and password for /login; write them as `${ENV}`. */
  @IsString()
  @MinLength(1)
  username: string;

  @IsString()
  @MinLength(1, { message: 'must be the password (write it as ${ENV})' })
  password: string;

  get defaultBaseUrl(): string {
    return 'https://api.watttime.org';
  }

  get area(): string {
    return this.region;
  }

  get credentials(): Record<string, string> {
    return { username: this.username, password: this.password };
  }
}

export type ForecastProviderConfig = EntsoeProviderConfig | ElectricityMapsProviderConfig | WattTimeProviderConfig;

/** A provider whose type is none of FORECAST_PROVIDER_TYPES: only its type is checked, and reported. */
class UnknownForecastProviderConfig {
  @IsIn(FORECAST_PROVIDER_TYPES, { message: `must be one of ${FORECAST_PROVIDER_TYPES.join(', ')}` })
  type: unknown;
}

const PROVIDER_CONFIGS: Record<ForecastProviderType, new () => ForecastProviderConfig> = {
  entsoe: EntsoeProviderConfig,
  'electricity-maps': ElectricityMapsProviderConfig,
  watttime: WattTimeProviderConfig,
};

/** Each entry as its type's config class, so other types' fields are refused (as executors are). */
export function forecastProviderConfigsOf(value: unknown): unknown {
  if (!Array.isArray(value)) return value;
  return value.map((entry: unknown) => {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return entry;
    const type = (entry as { type?: unknown }).type;
    const known = typeof type === 'string' && Object.hasOwn(PROVIDER_CONFIGS, type);
    if (!known) return plainToInstance(UnknownForecastProviderConfig, { type });
    return plainToInstance(PROVIDER_CONFIGS[type as ForecastProviderType], entry);
  });
}

/**
 * One provider of each type per zone, and one carbon provider at most: two would overwrite each
 * other's carbon on every pull.
 */
export function IsProviderSet() {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isProviderSet',
      target: object.constructor,
      propertyName,
      validator: {
        validate: (value: unknown) => {
          if (!Array.isArray(value)) return true;
          const types = value.map((p: { type?: unknown }) => p?.type);
          const carbon = types.filter((t) => CARBON_PROVIDER_TYPES.includes(t as ForecastProviderType));
          return new Set(types).size === types.length && carbon.length <= 1;
        },
        defaultMessage: () =>
          'may name each provider type once, and one carbon provider (electricity-maps or watttime) at most',
      },
    });
}
