import type { NextFunction, Request, Response } from 'express';
import { PROBLEM_TYPE_LOCAL } from '../common/problem.js';
import type { Metrics } from './metrics.js';

/** The grid-signal endpoints whose accepted and refused requests are counted, by path. */
const SIGNAL_ENDPOINTS: [RegExp, string][] = [
  [/^\/v1\/webhooks\/forecasts\/?$/, 'forecast-webhook'],
  [/^\/v1\/webhooks\/openadr(\/.*)?$/, 'openadr'],
  [/^\/v1\/zones\/[^/]+\/forecasts\.csv$/, 'forecast-csv'],
];

/**
 * Times every request and counts grid-signal requests by outcome, once the response is sent.
 * Installed before the body parsers, so a refusal they make (too large, malformed) is counted too.
 */
export function httpMetrics(metrics: Metrics) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = performance.now();
    res.on('finish', () => {
      // Express types req.route as any: read only the path pattern the matched route was declared with.
      const routePath = (req.route as { path?: string | RegExp } | undefined)?.path;
      const route = routePath ? `${req.baseUrl}${String(routePath)}` : 'unmatched';
      metrics.httpSeconds.observe(
        { method: req.method, route, status: String(res.statusCode) },
        (performance.now() - started) / 1000,
      );
      const endpoint = SIGNAL_ENDPOINTS.find(([pattern]) => pattern.test(req.path))?.[1];
      if (endpoint && req.method !== 'GET') {
        const refused = res.statusCode >= 400;
        const type = res.locals[PROBLEM_TYPE_LOCAL] as string | undefined;
        const reason = refused ? (type?.replace(/^urn:westwind:problem:/, '') ?? String(res.statusCode)) : 'accepted';
        metrics.webhookRequests.inc({
          endpoint,
          outcome: refused ? 'refused' : 'accepted',
          reason: type === 'about:blank' ? String(res.statusCode) : reason,
        });
      }
    });
    next();
  };
}
