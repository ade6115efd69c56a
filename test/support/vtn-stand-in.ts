import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';

/**
 * A local stand-in for an OpenADR 3 VTN's `POST /reports` (OpenADR 3.0.1 / 3.1 API): the bearer
 * token, and the body checked against the specification's `report` schema — required programID,
 * eventID (objectID: 1-128 of [a-zA-Z0-9_-]), clientName (1-128), resources (each a resourceName
 * of 1-128 and intervals, each an integer id and payloads, each a type of 1-128 and a values
 * array), optional reportName and payloadDescriptors (each a payloadType of 1-128, confidence
 * 0-100). Answers 201 with the stored report and its id, as a VTN does; 400 with the problems,
 * 403 for a wrong token; 503 while told to fail.
 */
export interface VtnStandIn {
  url: string;
  /** Reports accepted, as received. */
  reports: { authorization?: string; body: Record<string, unknown> }[];
  /** Every request: its status and what was wrong with it. */
  requests: { status: number; problems: string[] }[];
  /** The next `n` requests answer 503. */
  failNext(n: number): void;
  close(): Promise<void>;
}

const OBJECT_ID = /^[a-zA-Z0-9_-]{1,128}$/;

export async function startVtnStandIn(token: string): Promise<VtnStandIn> {
  const reports: VtnStandIn['reports'] = [];
  const requests: VtnStandIn['requests'] = [];
  let failing = 0;
  const server = createServer((req, res) => {
    void readBody(req).then((text) => {
      const answer = (status: number, body: unknown, problems: string[] = []) => {
        requests.push({ status, problems });
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      };
      if (req.method !== 'POST' || req.url !== '/reports') return answer(404, { title: 'Not Found', status: 404 });
      if (req.headers.authorization !== `Bearer ${token}`) return answer(403, { title: 'Forbidden', status: 403 });
      if (failing > 0) {
        failing--;
        return answer(503, { title: 'Service Unavailable', status: 503 });
      }
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        return answer(400, { title: 'Bad Request', status: 400, detail: 'not JSON' }, ['not JSON']);
      }
      const problems = reportProblems(body);
      if (problems.length > 0) return answer(400, { title: 'Bad Request', status: 400, detail: problems }, problems);
      const stored = { ...(body as object), id: `report-${randomUUID().slice(0, 8)}`, objectType: 'REPORT' };
      reports.push({ authorization: req.headers.authorization, body: body as Record<string, unknown> });
      answer(201, { ...stored, createdDateTime: new Date().toISOString() });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    reports,
    requests,
    failNext: (n) => (failing = n),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown, max = 128) => typeof v === 'string' && v.length >= 1 && v.length <= max;

/** What the OpenADR 3 `report` schema refuses in `body`. */
export function reportProblems(body: unknown): string[] {
  const problems: string[] = [];
  if (!isObject(body)) return ['report: must be an object'];
  for (const field of ['programID', 'eventID'])
    if (typeof body[field] !== 'string' || !OBJECT_ID.test(body[field])) problems.push(`${field}: must be an objectID`);
  if (!text(body.clientName)) problems.push('clientName: must be 1-128 characters');
  if (body.objectType !== undefined && body.objectType !== 'REPORT') problems.push('objectType: must be REPORT');
  if (body.reportName !== undefined && body.reportName !== null && typeof body.reportName !== 'string')
    problems.push('reportName: must be a string');
  if (body.payloadDescriptors !== undefined && body.payloadDescriptors !== null) {
    if (!Array.isArray(body.payloadDescriptors)) problems.push('payloadDescriptors: must be an array');
    else
      body.payloadDescriptors.forEach((d: unknown, i) => {
        if (!isObject(d) || !text(d.payloadType)) problems.push(`payloadDescriptors[${i}].payloadType: required`);
        else if (d.confidence !== undefined && !(Number.isInteger(d.confidence) && (d.confidence as number) <= 100))
          problems.push(`payloadDescriptors[${i}].confidence: 0-100`);
      });
  }
  if (!Array.isArray(body.resources)) return [...problems, 'resources: must be an array'];
  body.resources.forEach((resource: unknown, r) => {
    if (!isObject(resource)) return problems.push(`resources[${r}]: must be an object`);
    if (!text(resource.resourceName)) problems.push(`resources[${r}].resourceName: must be 1-128 characters`);
    if (!Array.isArray(resource.intervals)) return problems.push(`resources[${r}].intervals: must be an array`);
    resource.intervals.forEach((interval: unknown, i) => {
      const at = `resources[${r}].intervals[${i}]`;
      if (!isObject(interval)) return problems.push(`${at}: must be an object`);
      if (!Number.isInteger(interval.id)) problems.push(`${at}.id: must be an integer`);
      const period = interval.intervalPeriod;
      if (period !== undefined && (!isObject(period) || Number.isNaN(Date.parse(String(period.start)))))
        problems.push(`${at}.intervalPeriod.start: must be a date-time`);
      if (!Array.isArray(interval.payloads)) return problems.push(`${at}.payloads: must be an array`);
      interval.payloads.forEach((payload: unknown, p) => {
        if (!isObject(payload) || !text(payload.type) || !Array.isArray(payload.values))
          problems.push(`${at}.payloads[${p}]: needs a type and values`);
      });
    });
  });
  return problems;
}
