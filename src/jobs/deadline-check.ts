import { Inject, Injectable } from '@nestjs/common';
import { CLOCK } from '../config/config.module.js';
import { WestwindConfig, timeZonesByZone } from '../config/westwind-config.js';
import { noEnergy } from '../domain/energy/energy-meter.js';
import type { Job } from '../domain/jobs/job.js';
import { PlacementProbe } from '../domain/planner/plan.js';
import type { PlanInput } from '../domain/planner/plan-types.js';
import type { Clock } from '../domain/time/clock.js';
import { linksByRegion, planInputFrom, planJobFrom, PLANNING_HORIZON_HOURS } from '../domain/planner/plan-input.js';
import { PlanRepository } from '../plans/plan.repository.js';
import { SignalsService } from '../signals/signals.service.js';

const EMPTY_TOTALS = {
  ...noEnergy(),
  pauses: 0,
  deadlineMisses: 0,
  deferrablePeakHours: 0,
  deferrablePeakMwh: 0,
  objective: 0,
};

/** How long a snapshot of the plan and signals serves submissions before it is read again. */
const SNAPSHOT_MS = 5000;
/** How often the plan's version is looked up to notice a new plan. */
const RECHECK_MS = 1000;

/**
 * At submission: can the job finish by its deadline, given the current plan, capacity and
 * forecasts? Probes where it would go on top of the stored plan (tens of microseconds), on a
 * snapshot refreshed when the plan changes, the hour turns or every few seconds.
 */
@Injectable()
export class DeadlineCheck {
  private snapshot?: { key: string; takenAt: number; checkedAt: number; input: PlanInput; probe: PlacementProbe };
  private readonly links: Map<string, Record<string, number>>;

  constructor(
    private readonly plans: PlanRepository,
    private readonly signals: SignalsService,
    private readonly config: WestwindConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.links = linksByRegion(config.dataRegions);
  }

  /**
   * The earliest finish the planner offers when it is after the deadline; undefined when the
   * deadline holds (or lies past the horizon). A job that fits keeps its hours in the snapshot,
   * so the submissions after it are checked against the capacity it leaves.
   */
  async lateFinish(job: Job): Promise<string | undefined> {
    const { input, probe } = await this.current();
    const candidate = planJobFrom(job, input.start, this.clock.now(), this.links);
    const placed = probe.hold(candidate);
    if (placed.meetsDeadline) return undefined;
    const horizonEnd = input.start.plus({ hours: input.hours });
    // Unplaced within the horizon: judge only a deadline inside it.
    if (!placed.finish) return candidate.deadline < horizonEnd ? `after ${horizonEnd.toISO()}` : undefined;
    return placed.finish;
  }

  private async current(): Promise<{ input: PlanInput; probe: PlacementProbe }> {
    const start = this.clock.now().startOf('hour');
    // Within a second of the last look, in the same hour, the snapshot stands without asking Redis.
    if (
      this.snapshot &&
      this.snapshot.key.endsWith(`@${start.toMillis()}`) &&
      Date.now() - this.snapshot.checkedAt < RECHECK_MS
    )
      return this.snapshot;
    const meta = await this.plans.meta();
    const key = `${meta?.version ?? 0}@${start.toMillis()}`;
    if (this.snapshot && this.snapshot.key === key && Date.now() - this.snapshot.takenAt < SNAPSHOT_MS) {
      this.snapshot.checkedAt = Date.now();
      return this.snapshot;
    }
    const [signals, load] = await Promise.all([
      this.signals.siteSignals(start, PLANNING_HORIZON_HOURS),
      meta?.start === start.toISO() ? this.plans.load() : undefined,
    ]);
    const zones = timeZonesByZone(this.config);
    const input = planInputFrom(
      {
        start,
        now: this.clock.now(),
        hours: PLANNING_HORIZON_HOURS,
        sites: this.config.sites,
        signals,
        timeZoneOf: (zone) => zones.get(zone)!,
        dataRegions: this.config.dataRegions,
      },
      [],
    );
    const probe = new PlacementProbe(
      input,
      load
        ? {
            start: start.toISO(),
            hours: PLANNING_HORIZON_HOURS,
            strategy: 'westwind',
            jobs: [],
            load,
            totals: EMPTY_TOTALS,
          }
        : undefined,
    );
    this.snapshot = { key, takenAt: Date.now(), checkedAt: Date.now(), input, probe };
    return this.snapshot;
  }
}
