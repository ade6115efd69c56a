import { Inject, Injectable, Logger } from '@nestjs/common';
import { CLOCK } from '../../config/config.module.js';
import type { ForecastProviderConfig } from '../../config/forecast-provider-config.js';
import { WestwindConfig, ZoneConfig } from '../../config/westwind-config.js';
import { ProblemException } from '../../common/problem.js';
import { MAX_HORIZON_DAYS } from '../../domain/signals/forecast.js';
import type { Clock } from '../../domain/time/clock.js';
import { formatInstant, parseInstant } from '../../domain/time/instant.js';
import { DateTime } from 'luxon';
import { SignalsService } from '../signals.service.js';
import { ElectricityMapsProvider } from './electricity-maps/electricity-maps-provider.js';
import { EntsoeProvider } from './entsoe/entsoe-provider.js';
import { EntsoeRequestPermits } from './entsoe/entsoe-request-permits.js';
import type { ForecastProvider, ProviderFailure, ProviderKind } from './forecast-provider.js';
import { overlay } from './forecast-overlay.js';
import { PULL_HORIZON_HOURS, type PullJobData } from './forecast-pull.constants.js';
import { ForecastPullStatusRepository, type PullStatus } from './forecast-pull-status.repository.js';
import { retryDelayMs } from './pull-backoff.js';
import { WattTimeProvider } from './watttime/watttime-provider.js';

/** What one pull did, as the pull job's return value (bull-board shows it). */
export type PullOutcome =
  | { outcome: 'stored'; hours: number; incomplete: number; unchanged: number }
  | { outcome: 'failed'; kind: string; retryInMs: number }
  | { outcome: 'skipped'; reason: string };

/**
 * Pulls a zone's forecast from one provider and stores it through the webhook's checks and merge
 * (SignalsService.acceptForecast): the provider's fields are laid over the zone's stored hours, so
 * ENTSO-E's supply and load and a carbon provider's intensity end up in the same hours. A failed
 * pull stores nothing (the last good forecast stays), is recorded with its kind and counted, and
 * backs off. Runs in the pull queue's worker, one pull at a time across instances.
 */
@Injectable()
export class ForecastPullService {
  private readonly logger = new Logger('ForecastPull');
  /** One driver of each kind per process: WattTime's token lives in it; ENTSO-E's budget is shared (Redis). */
  private readonly drivers: Record<ProviderKind, ForecastProvider>;
  private readonly zones: Map<string, ZoneConfig>;

  constructor(
    private readonly signals: SignalsService,
    private readonly statuses: ForecastPullStatusRepository,
    config: WestwindConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    entsoePermits: EntsoeRequestPermits,
  ) {
    this.zones = new Map(config.zones.map((z) => [z.id, z]));
    this.drivers = {
      entsoe: new EntsoeProvider(entsoePermits),
      'electricity-maps': new ElectricityMapsProvider(),
      watttime: new WattTimeProvider(),
    };
  }

  /** Pulls if due: a provider's scheduler ticks more often than it refreshes, so a back-off can retry sooner. */
  async pull({ zone: zoneId, provider: type }: PullJobData): Promise<PullOutcome> {
    const zone = this.zones.get(zoneId);
    const provider = zone?.providers.find((p) => p.type === type);
    if (!zone || !provider) return { outcome: 'skipped', reason: `no provider ${type} configured for zone ${zoneId}` };
    const now = this.clock.now();
    const status = await this.statuses.get(zone.id, type);
    if (status.nextAttemptAt !== undefined && now.toMillis() < status.nextAttemptAt) {
      return { outcome: 'skipped', reason: `next pull at ${formatInstant(DateTime.fromMillis(status.nextAttemptAt))}` };
    }
    const from = now.startOf('hour');
    const to = DateTime.min(from.plus({ hours: PULL_HORIZON_HOURS }), now.plus({ days: MAX_HORIZON_DAYS }));
    const source = {
      area: provider.area,
      baseUrl: provider.baseUrl ?? provider.defaultBaseUrl,
      credentials: provider.credentials,
      timeoutMs: provider.timeoutMs,
    };
    const result = await this.drivers[provider.type].fetch(source, { from, to });
    if (!result.ok) return this.failed(zone, provider, status, scrub(result.failure, provider));

    const stored = await this.signals.storedHours(zone.id, from.toMillis(), to.toMillis());
    const issuedAtMs = parseInstant(result.forecast.issuedAt)?.toMillis() ?? now.toMillis();
    const laid = overlay(stored, result.forecast.hours, issuedAtMs, from.toMillis(), to.toMillis());
    if (laid.points.length > 0) {
      try {
        const issuedAt = formatInstant(DateTime.fromMillis(laid.issuedAtMs));
        await this.signals.acceptForecast(
          { zone: zone.id, issuedAt, resolution: 'PT1H', points: laid.points },
          JSON.stringify({ provider: provider.type, area: provider.area, issuedAt: result.forecast.issuedAt }),
        );
      } catch (error) {
        // The webhook's checks refused what the provider said (a negative value, an issuedAt ahead of us).
        if (!(error instanceof ProblemException)) throw error;
        const problems = (error.problem.errors ?? [])
          .slice(0, 3)
          .map((e) => `${e.field} ${e.message}`)
          .join('; ');
        const message = `${provider.type} forecast refused by the forecast checks: ${problems || error.problem.detail}`;
        return this.failed(zone, provider, status, { kind: 'malformed', message });
      }
    }
    await this.statuses.put(zone.id, type, {
      ...status,
      lastAttemptAt: now.toMillis(),
      lastSuccessAt: now.toMillis(),
      issuedAt: issuedAtMs,
      hoursStored: laid.points.length,
      hoursIncomplete: laid.incomplete,
      hoursUnchanged: laid.unchanged,
      consecutiveFailures: 0,
      nextAttemptAt: now.toMillis() + provider.refreshMs,
    });
    if (laid.incomplete > 0) {
      this.logger.log(`${zone.id}/${type}: ${laid.incomplete} hour(s) left out: no wind, solar and load stored`);
    }
    return { outcome: 'stored', hours: laid.points.length, incomplete: laid.incomplete, unchanged: laid.unchanged };
  }

  private async failed(
    zone: ZoneConfig,
    provider: ForecastProviderConfig,
    status: PullStatus,
    failure: ProviderFailure,
  ): Promise<PullOutcome> {
    const now = this.clock.now().toMillis();
    const failures = status.consecutiveFailures + 1;
    const delay = retryDelayMs(failure, failures, provider.refreshMs, this.clock.speed);
    await this.statuses.putFailure(
      zone.id,
      provider.type,
      {
        ...status,
        lastAttemptAt: now,
        lastError: { kind: failure.kind, message: failure.message, status: failure.status, at: now },
        consecutiveFailures: failures,
        nextAttemptAt: now + delay,
      },
      failure.kind,
    );
    const retry = `try again in ${delay / 1000} s`;
    this.logger.warn(`${zone.id}/${provider.type}: ${failure.kind}: ${failure.message} (${retry})`);
    return { outcome: 'failed', kind: failure.kind, retryInMs: delay };
  }
}

/** Drivers keep credentials out of messages; this makes sure, since messages reach logs and GET /v1/zones. */
function scrub(failure: ProviderFailure, provider: ForecastProviderConfig): ProviderFailure {
  let message = failure.message;
  for (const secret of Object.values(provider.credentials)) {
    if (secret.length >= 4) message = message.split(secret).join('***');
  }
  return { ...failure, message };
}
