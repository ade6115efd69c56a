import type { INestApplication } from '@nestjs/common';
import express, { ErrorRequestHandler, RequestHandler } from 'express';
import type { IncomingMessage } from 'node:http';
import { jsonTooDeep, nestsDeeperThan, refuseReservedKeys } from './json-limits.js';
import { ProblemException, problemType, sendProblem } from './problem.js';

/** Requests larger than this are refused with 413 before they are parsed. */
export const MAX_JSON_BODY = '1mb';
/** Webhooks and CSV uploads carry whole forecasts (up to 10,000 points). */
export const MAX_WEBHOOK_BODY = '5mb';
/** Webhook bodies stay raw bytes: signatures are verified over exactly what was sent (see parseRequestJson). */
export const RAW_BODY_PATHS = ['/v1/webhooks'];

/**
 * Body parsing with problem+json errors. Body-parser errors happen before Nest's routing, so
 * Nest's exception filters never see them; this error handler answers them instead. Every JSON
 * body, whoever reads it later (controllers, interceptors, bull-board), is checked here for
 * nesting depth (before it is parsed) and reserved keys (after).
 */
export function useJsonBodies(app: INestApplication): void {
  app.use(RAW_BODY_PATHS, express.raw({ limit: MAX_WEBHOOK_BODY, type: () => true }));
  const jsonTypes = ['application/json', 'application/*+json'];
  app.use(express.json({ limit: MAX_JSON_BODY, strict: true, type: jsonTypes, verify: checkJsonBytes }));
  app.use(refuseReservedKeysInJsonBody);
  app.use(express.text({ limit: MAX_WEBHOOK_BODY, type: 'text/csv' }));
  app.use(bodyErrorHandler);
}

/** express.json's hook on the raw bytes, before JSON.parse: a thrown error becomes the answer. */
function checkJsonBytes(_req: IncomingMessage, _res: unknown, bytes: Buffer, encoding: string | null): void {
  // The depth scan reads UTF-8 bytes; RFC 8259 §8.1 asks for UTF-8 (body-parser would also decode UTF-16 and UTF-7).
  if (encoding !== 'utf-8') {
    const detail = `JSON bodies must be UTF-8, not ${encoding}.`;
    throw ProblemException.of(415, 'unsupported-charset', 'Unsupported charset', detail);
  }
  if (nestsDeeperThan(bytes)) throw jsonTooDeep();
}

const refuseReservedKeysInJsonBody: RequestHandler = (req, _res, next) => {
  // Only express.json's bodies are objects here: raw webhook bodies are Buffers, and CSV comes later.
  if (typeof req.body === 'object' && req.body !== null && !Buffer.isBuffer(req.body)) {
    try {
      refuseReservedKeys(req.body);
    } catch (error) {
      return next(error);
    }
  }
  next();
};

type BodyError = { type?: string; status?: number; message?: string; limit?: number };

const bodyErrorHandler: ErrorRequestHandler = (error: BodyError | ProblemException, req, res, next) => {
  if (error instanceof ProblemException) return sendProblem(req, res, error.problem, error.headers);
  const status = error.status ?? 500;
  if (status >= 500 || !error.type) return next(error);
  const [slug, title, detail] =
    error.type === 'entity.too.large'
      ? ['body-too-large', 'Request body too large', `The body exceeds the limit of ${error.limit} bytes.`]
      : error.type === 'entity.parse.failed'
        ? ['malformed-json', 'Malformed JSON', `The body is not valid JSON: ${error.message}`]
        : ['unreadable-body', 'Unreadable request body', error.message ?? 'The body could not be read.'];
  sendProblem(req, res, { type: problemType(slug), title, status, detail });
};
