import { JobState } from '../domain/jobs/job.js';

/**
 * Every Redis key Westwind writes, in one place, all under the configured prefix. Each key is read
 * and written by one repository (or the driver that owns it), never by the services around them.
 */
export class RedisKeys {
  constructor(readonly prefix: string) {}

  job(id: string): string {
    return `${this.prefix}job:${id}`;
  }

  /** A tenant's jobs, newest first by id (ids are time-ordered UUIDv7). */
  tenantJobs(tenant: string): string {
    return `${this.prefix}tenant:${tenant}:jobs`;
  }

  tenantJobsInState(tenant: string, state: JobState): string {
    return `${this.prefix}tenant:${tenant}:jobs:${state}`;
  }

  /** Every job not yet finished, scored by submission time: what the planner plans. */
  activeJobs(): string {
    return `${this.prefix}jobs:active`;
  }

  /** Every finished job (completed, cancelled, failed), scored by when it finished: what retention forgets. */
  finishedJobs(): string {
    return `${this.prefix}jobs:finished`;
  }

  /** A zone's effective forecast: field = hour (epoch ms), value = that hour's signals as JSON. */
  zoneSignals(zone: string): string {
    return `${this.prefix}zone:${zone}:signals`;
  }

  /** issuedAt (epoch ms) of the forecast each hour's value came from: newer revisions win. */
  zoneSignalsIssued(zone: string): string {
    return `${this.prefix}zone:${zone}:issued`;
  }

  zoneMeta(zone: string): string {
    return `${this.prefix}zone:${zone}:meta`;
  }

  /** Every accepted forecast of a zone, as received, for audit (a capped stream). */
  zoneForecasts(zone: string): string {
    return `${this.prefix}zone:${zone}:forecasts`;
  }

  /** Each forecast provider's pull status for a zone: field = provider type, value = JSON. */
  forecastPulls(zone: string): string {
    return `${this.prefix}zone:${zone}:pulls`;
  }

  /** Failed forecast pulls, all instances: field = `zone|provider|kind`, value = count. */
  forecastPullErrors(): string {
    return `${this.prefix}forecast-pull-errors`;
  }

  /** Grid events (OpenADR) in force or to come: field = event key, value = the event as JSON. */
  gridEvents(): string {
    return `${this.prefix}grid-events`;
  }

  /**
   * What each grid event is measured against and where it came from (its baseline, taken from the
   * plan just before the event was applied): field = event key, value = JSON. Kept for the signals'
   * retention (SIGNALS_RETENTION_DAYS) after it ends; housekeeping forgets it then.
   */
  gridEventReports(): string {
    return `${this.prefix}grid-event-reports`;
  }

  /** Where each event's OpenADR report to the VTN stands: field = event key, value = JSON. */
  gridEventVtnReports(): string {
    return `${this.prefix}grid-event-vtn-reports`;
  }

  /** Incremented by every stored plan. */
  planVersion(): string {
    return `${this.prefix}plan:version`;
  }

  planMeta(): string {
    return `${this.prefix}plan:meta`;
  }

  /** GPUs and power the current plan uses per site and hour. */
  planLoad(): string {
    return `${this.prefix}plan:load`;
  }

  /** The current plan as operators see it: load by job state, late jobs. */
  planSummary(): string {
    return `${this.prefix}plan:summary`;
  }

  /** The latest fifo baseline of the current jobs, for comparison. */
  planBaseline(): string {
    return `${this.prefix}plan:baseline`;
  }

  /** The current plan's part for each job: field = job id, value = JobPlan JSON. */
  planJobs(): string {
    return `${this.prefix}plan:jobs`;
  }

  /** A simulated site's executor state: field = job id, value = what it runs and how far. */
  simulatedSite(site: string): string {
    return `${this.prefix}sim:${site}:jobs`;
  }

  /** Action ids a simulated site has carried out, by when (it acts on each once; the latest are kept). */
  simulatedSiteActions(site: string): string {
    return `${this.prefix}sim:${site}:action-ids`;
  }

  /** A simulated site's own log of what it did, oldest first (the latest lines are kept). */
  simulatedSiteLog(site: string): string {
    return `${this.prefix}sim:${site}:log`;
  }

  /** Held while one worker submits a job to a Slurm site, so two never submit it at once. */
  slurmSubmitting(site: string, jobId: string): string {
    return `${this.prefix}slurm:${site}:submitting:${jobId}`;
  }

  /** Action ids a Slurm site has carried out, by when (each acts once; the latest are kept). */
  slurmSiteActions(site: string): string {
    return `${this.prefix}slurm:${site}:action-ids`;
  }

  /**
   * The digest of a job's events token and the site that issued it (POST /v1/jobs/:id/events). The key
   * keeps the name it had when only Slurm sites issued tokens, so tokens already handed out stay good.
   */
  jobEventToken(jobId: string): string {
    return `${this.prefix}slurm:job-token:${jobId}`;
  }

  /** GPUs each job holds at a site (running there, or a start or resume claimed there): field = job id, value GPUs. */
  siteGpusHeld(site: string): string {
    return `${this.prefix}site:${site}:gpus-held`;
  }

  /** AI energy a site used, metered from actual run segments: field = hour (epoch ms), value = MWh. */
  siteEnergy(site: string): string {
    return `${this.prefix}energy:${site}`;
  }

  /**
   * A calendar month's (UTC, `YYYY-MM`) savings against fifo per tenant: field = `<tenant>|<figure>`, value = the
   * sum over the tenant's jobs that ended in the month. Kept 13 months (SAVINGS_MONTHS_KEPT).
   */
  savingsMonth(month: string): string {
    return `${this.prefix}reports:savings:${month}`;
  }

  /** The jobs a month's savings count already: each is added once. Kept as long as the month. */
  savingsMonthJobs(month: string): string {
    return `${this.prefix}reports:savings:${month}:jobs`;
  }

  /** Pub/sub channel on which plan and job changes are announced (the dashboard's live updates). */
  changes(): string {
    return `${this.prefix}changes`;
  }

  /** Prefix of BullMQ's keys (BullMQ adds ":<queue>:…"). */
  bullPrefix(): string {
    return `${this.prefix}bull`;
  }

  /** Prefix of the request counters of one kind of rate limit (rate-limiter-flexible adds ":<id>"). */
  rateLimit(kind: string): string {
    return `${this.prefix}rate:${kind}`;
  }

  idempotency(scope: string, key: string): string {
    return `${this.prefix}idempotency:${scope}:${key}`;
  }
}
