import type { DateTime } from 'luxon';
import type { DataRegionConfig, SiteConfig } from '../config/westwind-config.js';
import type { Job } from '../domain/jobs/job.js';
import type { PlanInput, PlanJob, PlanJobState } from '../domain/planner/plan-types.js';
import { parseInstant } from '../domain/time/instant.js';
import type { SiteHourSignals } from '../signals/signals.service.js';

/**
 * The planner's input from what the service stores: jobs not yet finished, each site with its
 * hourly signals. Until execution reports progress, a job's remaining work is its runtime.
 */
export function planInputFrom(start: DateTime, hours: number, sites: readonly SiteConfig[], signals: Map<string, SiteHourSignals>, jobs: readonly Job[], timeZoneOf: (zone: string) => string, dataRegions: readonly DataRegionConfig[] = []): PlanInput {
  const links = new Map(dataRegions.map((r) => [r.id, r.linksGbps ?? {}]));
  return {
    start,
    hours,
    sites: sites.map((site) => {
      const s = signals.get(site.id)!;
      return {
        id: site.id,
        timeZone: timeZoneOf(site.zone),
        gpus: site.gpus,
        kwPerGpu: site.kwPerGpu,
        pue: site.pue,
        signals: { greenMw: s.greenMw, peak: s.peak, importCapMw: s.importCapMw, carbonGPerKwh: s.carbonGPerKwh.map((v) => v ?? 0), pricePerMwh: s.pricePerMwh.map((v) => v ?? 0) },
      };
    }),
    jobs: jobs.map((job): PlanJob => ({
      id: job.id,
      gpus: job.gpus,
      remainingHours: job.runtimeHours,
      earliestStart: parseInstant(job.earliestStart)!,
      deadline: parseInstant(job.deadline)!,
      submittedAt: parseInstant(job.submittedAt)!,
      deferrable: job.deferrable,
      interruptible: job.interruptible,
      checkpointMinutes: job.checkpointMinutes,
      priority: job.priority,
      sites: job.sites,
      state: planState(job),
      transferHours: job.dataRegion && job.datasetGb ? transferHours(job.datasetGb, links.get(job.dataRegion) ?? {}) : undefined,
    })),
  };
}

/** Hours to move `datasetGb` over each link: GB × 8 bits over Gbit/s, in hours. */
export function transferHours(datasetGb: number, linksGbps: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(linksGbps).map(([site, gbps]) => [site, (datasetGb * 8) / gbps / 3600]));
}

function planState(job: Job): PlanJobState {
  return job.state === 'running' || job.state === 'paused' ? job.state : 'queued';
}
