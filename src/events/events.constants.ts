/** Reports of delivered curtailment to OpenADR VTNs: one job per event, due when the event ends. */
export const VTN_REPORTS_QUEUE = 'vtn-reports';
export const VTN_REPORT_JOB = 'report';

export interface VtnReportJobData {
  key: string;
}

/** BullMQ job id of an event's report (custom ids may not hold ':', event keys do). */
export function vtnReportJobId(key: string): string {
  return `report.${encodeURIComponent(key)}`;
}
