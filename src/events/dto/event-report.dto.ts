/** One site's part of an hour of a grid event. */
export class EventSiteHourDto {
  site: string;
  /** Grid import the plan had here just before the event was applied, MW (the hour's average). */
  baselineMw: number;
  /**
   * Grid import metered (AI energy less the site's green supply), MW averaged over the part of the
   * hour gone; null before the hour begins.
   */
  meteredMw: number | null;
  /** baselineMw − meteredMw: what the event took off the grid (negative: more was drawn than planned). */
  curtailedMw: number | null;
}

/** One hour of a grid event, over all its sites. */
export class EventHourDto {
  /** The hour's start, UTC. */
  hour: string;
  /** The same instant in the zone's time zone. */
  local: string;
  /** Share of the hour gone: 0 before it begins, 1 once it is over (then its figures are final). */
  elapsed: number;
  baselineMw: number;
  meteredMw: number | null;
  curtailedMw: number | null;
  sites: EventSiteHourDto[];
}

export class EventTotalsDto {
  /** Baseline grid energy over the part of the event's hours gone, MWh. */
  baselineMwh: number;
  meteredMwh: number;
  /** baselineMwh − meteredMwh. */
  curtailedMwh: number;
  /** Baseline over all the event's hours, gone or to come, MWh. */
  plannedBaselineMwh: number;
  /** Every hour is over: the figures are final. */
  complete: boolean;
}

/** The OpenADR report of the curtailment sent to the event's VTN, if it has one configured. */
export class VtnReportDto {
  /** waiting (until the event ends), retrying, sent, failed (after the last attempt), not-sent (why: detail). */
  state: 'waiting' | 'retrying' | 'sent' | 'failed' | 'not-sent';
  attempts: number;
  /** The service clock when the state last changed. */
  at: string;
  /** The VTN's id of the stored report. */
  reportId?: string;
  /** Why it was not sent, or the last failure. */
  detail?: string;
}

/** The curtailment a grid event delivered: the plan's grid import just before it, against what was metered. */
export class EventReportDto {
  /** The event's id in Westwind: `<programID>:<event id>`. */
  id: string;
  programId: string;
  /** The VTN's event id. */
  eventId: string | null;
  eventName: string | null;
  zone: string;
  timeZone: string;
  sites: string[];
  receivedAt: string;
  /** When its sender withdrew it (DELETE); hours from then on are not reported. */
  deletedAt: string | null;
  start: string;
  end: string;
  /** Why it sheds load at once (SIMPLE level ≥ 2, grid alerts), if it does. */
  emergency: string | null;
  /** The plan the baseline was taken from (null: there was none, nothing was drawn). */
  planVersion: number | null;
  /** The event's hours from when it arrived (at most the planning horizon), ascending. */
  hours: EventHourDto[];
  totals: EventTotalsDto;
  vtnReport: VtnReportDto | null;
}
