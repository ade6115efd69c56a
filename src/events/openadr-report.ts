import { DateTime } from 'luxon';
import type { CurtailmentHour } from '../domain/energy/curtailment.js';
import { formatInstant } from '../domain/time/instant.js';

/** An OpenADR 3 report's values: one per payload type. */
interface ReportPayload {
  type: 'BASELINE' | 'DEMAND' | 'DELTA_USAGE';
  values: [number];
}

/** An OpenADR 3 REPORT as a VEN creates it (`POST /reports`), the fields of the 3.0.1/3.1 schema it uses. */
export interface OpenAdrReport {
  objectType: 'REPORT';
  programID: string;
  eventID: string;
  clientName: string;
  reportName: string;
  payloadDescriptors: {
    objectType: 'REPORT_PAYLOAD_DESCRIPTOR';
    payloadType: string;
    readingType: string;
    units: string;
  }[];
  resources: {
    resourceName: string;
    intervals: { id: number; intervalPeriod: { start: string; duration: string }; payloads: ReportPayload[] }[];
  }[];
}

/** The resource name OpenADR gives data summed over several resources. */
export const AGGREGATED_REPORT = 'AGGREGATED_REPORT';

/**
 * The curtailment of an event as an OpenADR 3 report: one resource per site (and their sum as
 * AGGREGATED_REPORT when there are several), one interval per hour gone, each with the baseline
 * (BASELINE, mean kW), the metered grid import (DEMAND, mean kW) and the change against the
 * baseline (DELTA_USAGE, kWh: negative is curtailment). Westwind's MW become the kW OpenADR names.
 */
export function openAdrReport(
  ids: { programId: string; eventId: string; key: string },
  hours: readonly CurtailmentHour[],
  clientName: string,
): OpenAdrReport {
  const gone = hours.filter((hour) => hour.elapsed > 0 && hour.meteredMw !== null);
  const interval = (hour: CurtailmentHour, i: number, baselineMw: number, meteredMw: number) => ({
    id: i,
    intervalPeriod: {
      start: formatInstant(DateTime.fromMillis(hour.hour, { zone: 'utc' })),
      duration: hour.elapsed >= 1 ? 'PT1H' : `PT${Math.max(1, Math.round(hour.elapsed * 3600))}S`,
    },
    payloads: [
      { type: 'BASELINE' as const, values: [kw(baselineMw)] as [number] },
      { type: 'DEMAND' as const, values: [kw(meteredMw)] as [number] },
      { type: 'DELTA_USAGE' as const, values: [kw((meteredMw - baselineMw) * hour.elapsed)] as [number] },
    ],
  });
  const sites = gone[0]?.sites.map((s) => s.site) ?? [];
  const resources = sites.map((site, s) => ({
    resourceName: site,
    intervals: gone.map((hour, i) => interval(hour, i, hour.sites[s].baselineMw, hour.sites[s].meteredMw!)),
  }));
  if (sites.length > 1)
    resources.push({
      resourceName: AGGREGATED_REPORT,
      intervals: gone.map((hour, i) => interval(hour, i, hour.baselineMw, hour.meteredMw!)),
    });
  return {
    objectType: 'REPORT',
    programID: ids.programId,
    eventID: ids.eventId,
    clientName,
    reportName: `westwind curtailment ${ids.key}`.slice(0, 128),
    payloadDescriptors: [
      descriptor('BASELINE', 'MEAN', 'KW'),
      descriptor('DEMAND', 'MEAN', 'KW'),
      descriptor('DELTA_USAGE', 'SUMMED', 'KWH'),
    ],
    resources,
  };
}

function descriptor(payloadType: string, readingType: string, units: string) {
  return { objectType: 'REPORT_PAYLOAD_DESCRIPTOR' as const, payloadType, readingType, units };
}

/** MW to kW, to the watt. */
function kw(mw: number): number {
  return Math.round(mw * 1e6) / 1000;
}
