import { XMLParser } from 'fast-xml-parser';
import { parseInstant } from '../../../domain/time/instant.js';
import type { Interval } from '../hourly.js';

const RESOLUTION_MINUTES: Record<string, number> = { PT15M: 15, PT30M: 30, PT60M: 60 };

/** One TimeSeries of a document as intervals, with its production type (absent for load). */
export interface EntsoeSeries {
  psrType?: string;
  intervals: Interval[];
}

export type EntsoeDocument =
  | { type: 'market'; createdDateTime: string; series: EntsoeSeries[] }
  /** The platform's answer when it has nothing to send or refuses the query (reason 999 and others). */
  | { type: 'acknowledgement'; code: string; text: string };

const parser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: true,
  parseTagValue: false,
  isArray: (name) => ['TimeSeries', 'Period', 'Point', 'Reason'].includes(name),
});

type Node = Record<string, unknown>;

/**
 * Reads a GL_MarketDocument (A69 wind and solar, A65 load) or an Acknowledgement_MarketDocument.
 * Throws with a reason on anything else: a body that is not XML, another root, a period without
 * a known resolution, a non-numeric quantity.
 */
export function parseEntsoeDocument(xml: string): EntsoeDocument {
  let root: Node;
  try {
    root = parser.parse(xml, true) as Node;
  } catch (error) {
    throw new Error(`not well-formed XML: ${(error as Error).message.split('\n')[0]}`);
  }
  const ack = root['Acknowledgement_MarketDocument'] as Node | undefined;
  if (ack) {
    const reason = ((ack['Reason'] as Node[] | undefined) ?? [])[0] ?? {};
    return { type: 'acknowledgement', code: text(reason['code']), text: text(reason['text']) };
  }
  const doc = root['GL_MarketDocument'] as Node | undefined;
  if (!doc || typeof doc !== 'object') {
    const roots =
      Object.keys(root)
        .filter((k) => k !== '?xml')
        .join(', ') || 'none';
    throw new Error(`not a GL_MarketDocument (root: ${roots})`);
  }
  const createdDateTime = parseInstant(text(doc['createdDateTime']));
  if (!createdDateTime) throw new Error('createdDateTime missing or not an instant');
  const series = ((doc['TimeSeries'] as Node[] | undefined) ?? []).map((ts, i) => readSeries(ts, i));
  return { type: 'market', createdDateTime: createdDateTime.toISO(), series };
}

/** An XML scalar as text; '' for a missing value or an element where a scalar belongs. */
function text(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : '';
}

function readSeries(ts: Node, index: number): EntsoeSeries {
  const psr = (ts['MktPSRType'] as Node | undefined)?.['psrType'];
  // A03 (variable sized blocks) leaves out a position whose value repeats the one before.
  const repeatsGaps = (text(ts['curveType']) || 'A01') === 'A03';
  const intervals: Interval[] = [];
  ((ts['Period'] as Node[] | undefined) ?? []).forEach((period, p) => {
    const at = `TimeSeries[${index}].Period[${p}]`;
    const interval = period['timeInterval'] as Node | undefined;
    const start = parseInstant(text(interval?.['start']));
    const end = parseInstant(text(interval?.['end']));
    const minutes = RESOLUTION_MINUTES[text(period['resolution'])];
    if (!start || !end || !minutes) {
      throw new Error(`${at}: timeInterval or resolution (${String(period['resolution'])}) not readable`);
    }
    const stepMs = minutes * 60_000;
    const slots = Math.round((end.toMillis() - start.toMillis()) / stepMs);
    const values = new Map<number, number>();
    for (const point of (period['Point'] as Node[] | undefined) ?? []) {
      const position = Number(point['position']);
      const quantity = Number(point['quantity']);
      if (!Number.isInteger(position) || position < 1 || position > slots) {
        throw new Error(`${at}: position ${String(point['position'])} outside 1..${slots}`);
      }
      if (point['quantity'] === undefined || !Number.isFinite(quantity)) {
        throw new Error(`${at}: quantity ${String(point['quantity'])} is not a number`);
      }
      values.set(position, quantity);
    }
    let previous: number | undefined;
    for (let position = 1; position <= slots; position++) {
      const value = values.get(position) ?? (repeatsGaps ? previous : undefined);
      if (value === undefined) continue;
      intervals.push({ startMs: start.toMillis() + (position - 1) * stepMs, stepMs, value });
      previous = value;
    }
  });
  return { psrType: psr === undefined ? undefined : text(psr), intervals };
}
