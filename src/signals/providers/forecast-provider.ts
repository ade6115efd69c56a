import type { DateTime } from 'luxon';

/** Where and how a driver reaches its provider for one zone (the zone config's provider entry). */
export interface ProviderSource {
  /** The provider's id of the area: EIC code (ENTSO-E), zone key (Electricity Maps), region (WattTime). */
  area: string;
  /** Scheme, host and optional path prefix; configurable so tests (and proxies) can stand in. */
  baseUrl: string;
  /** Credentials with `${ENV}` resolved: `token` (ENTSO-E, Electricity Maps); `username`+`password` (WattTime). */
  credentials: Record<string, string>;
  /** One HTTP request's limit, real milliseconds. */
  timeoutMs: number;
}

/** The hours [from, to) a pull asks for, UTC. */
export interface ProviderWindow {
  from: DateTime;
  to: DateTime;
}

/**
 * One UTC hour of what a provider said. Each provider knows only some series (ENTSO-E supply and
 * load, Electricity Maps and WattTime carbon), so every field is optional; the puller lays them
 * over the zone's stored hours before they go through the webhook's checks.
 */
export interface ProviderHour {
  /** Hour start, epoch milliseconds UTC. */
  hour: number;
  windMw?: number;
  solarMw?: number;
  loadMw?: number;
  carbonGPerKwh?: number;
}

export interface ProviderForecast {
  /** When the provider issued it (its document's creation time), ISO 8601 UTC. */
  issuedAt: string;
  hours: ProviderHour[];
}

export const FAILURE_KINDS = [
  'timeout',
  'network',
  'unauthorized',
  'rate-limited',
  'client-error',
  'server-error',
  'malformed',
  'no-data',
] as const;
export type ProviderFailureKind = (typeof FAILURE_KINDS)[number];

/** Why a pull brought nothing usable; the zone keeps its last good forecast. */
export interface ProviderFailure {
  kind: ProviderFailureKind;
  message: string;
  status?: number;
  /** The provider asked us to wait this long (Retry-After, or a documented ban), real ms. */
  retryAfterMs?: number;
}

export type ProviderResult = { ok: true; forecast: ProviderForecast } | { ok: false; failure: ProviderFailure };

/** A provider driver: fetches a zone's forecast for a window and maps it to Westwind's hours. */
export interface ForecastProvider {
  readonly kind: ProviderKind;
  fetch(source: ProviderSource, window: ProviderWindow): Promise<ProviderResult>;
}

export const PROVIDER_KINDS = ['entsoe', 'electricity-maps', 'watttime'] as const;
export type ProviderKind = (typeof PROVIDER_KINDS)[number];

export function failed(
  kind: ProviderFailureKind,
  message: string,
  extra: Partial<ProviderFailure> = {},
): ProviderResult {
  return { ok: false, failure: { kind, message, ...extra } };
}
