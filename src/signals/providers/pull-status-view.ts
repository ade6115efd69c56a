import { DateTime } from 'luxon';
import type { ZoneConfig } from '../../config/westwind-config.js';
import { formatInstant } from '../../domain/time/instant.js';
import type { ForecastProviderStatusDto } from './dto/forecast-provider-status.dto.js';
import type { PullStatus } from './forecast-pull-status.repository.js';

/** A zone's forecast is stale once its last good pull is older than this many refresh intervals. */
export const STALE_AFTER_REFRESHES = 2;

/** Each configured provider of the zone with its stored pull status, as GET /v1/zones shows it. */
export function providerStatuses(
  zone: ZoneConfig,
  statuses: ReadonlyMap<string, PullStatus>,
  nowMs: number,
): ForecastProviderStatusDto[] {
  return zone.providers.map((provider) => {
    const status = statuses.get(provider.type) ?? { consecutiveFailures: 0 };
    const since = status.lastSuccessAt;
    const age = since === undefined ? null : Math.max(0, Math.round((nowMs - since) / 1000));
    const failedLast = status.lastError !== undefined && status.lastError.at >= (status.lastSuccessAt ?? -Infinity);
    const old = age === null || age * 1000 > STALE_AFTER_REFRESHES * provider.refreshMs;
    const { lastError } = status;
    return {
      type: provider.type,
      area: provider.area,
      refresh: provider.refresh,
      lastSuccessAt: iso(status.lastSuccessAt),
      ageSeconds: age,
      issuedAt: iso(status.issuedAt),
      stale: failedLast || old,
      lastError: lastError ? { ...lastError, at: iso(lastError.at)! } : null,
      consecutiveFailures: status.consecutiveFailures,
      nextAttemptAt: iso(status.nextAttemptAt),
      hoursStored: status.hoursStored ?? null,
      hoursIncomplete: status.hoursIncomplete ?? null,
    };
  });
}

function iso(ms: number | undefined): string | null {
  return ms === undefined ? null : formatInstant(DateTime.fromMillis(ms, { zone: 'utc' }));
}
