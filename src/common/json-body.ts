import type { INestApplication } from '@nestjs/common';
import express, { ErrorRequestHandler } from 'express';
import { problemType, sendProblem } from './problem.js';

/** Requests larger than this are refused with 413 before they are parsed. */
export const MAX_JSON_BODY = '1mb';
/** Webhooks and CSV uploads carry whole forecasts (up to 10,000 points). */
export const MAX_WEBHOOK_BODY = '5mb';
/** Webhook bodies stay raw bytes: signatures are verified over exactly what was sent. */
export const RAW_BODY_PATHS = ['/v1/webhooks'];

/**
 * Body parsing with problem+json errors. Body-parser errors happen before Nest's routing, so
 * Nest's exception filters never see them; this error handler answers them instead.
 */
export function useJsonBodies(app: INestApplication): void {
  app.use(RAW_BODY_PATHS, express.raw({ limit: MAX_WEBHOOK_BODY, type: () => true }));
  app.use(express.json({ limit: MAX_JSON_BODY, strict: true, type: ['application/json', 'application/*+json'] }));
  app.use(express.text({ limit: MAX_WEBHOOK_BODY, type: 'text/csv' }));
  app.use(bodyErrorHandler);
}

const bodyErrorHandler: ErrorRequestHandler = (error: { type?: string; status?: number; message?: string; limit?: number }, req, res, next) => {
  const status = error.status ?? 500;
  if (status >= 500 || !error.type) return next(error);
  const [slug, title, detail] =
    error.type === 'entity.too.large' ? ['body-too-large', 'Request body too large', `The body exceeds the limit of ${error.limit} bytes.`]
    : error.type === 'entity.parse.failed' ? ['malformed-json', 'Malformed JSON', `The body is not valid JSON: ${error.message}`]
    : ['unreadable-body', 'Unreadable request body', error.message ?? 'The body could not be read.'];
  sendProblem(req, res, { type: problemType(slug), title, status, detail });
};
