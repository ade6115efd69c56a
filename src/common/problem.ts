import { HttpException } from '@nestjs/common';
import type { Request, Response } from 'express';
import { FieldError } from './field-errors.js';

/** RFC 9457 problem details, the body of every error response. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** `res.locals` key under which a problem response records its type (metrics count refusals by it). */
export const PROBLEM_TYPE_LOCAL = 'problemType';

/** Thrown anywhere to answer with a problem+json response (and optional extra headers). */
export class ProblemException extends HttpException {
  constructor(
    readonly problem: ProblemDetails,
    readonly headers: Record<string, string> = {},
  ) {
    super(problem, problem.status);
  }

  static of(
    status: number,
    slug: string,
    title: string,
    detail?: string,
    extra: Partial<ProblemDetails> = {},
    headers?: Record<string, string>,
  ) {
    return new ProblemException({ type: problemType(slug), title, status, detail, ...extra }, headers);
  }

  static invalid(
    status: 400 | 422,
    errors: FieldError[],
    detail = errors.map((e) => `${e.field}: ${e.message}`).join('; '),
  ) {
    return ProblemException.of(
      status,
      status === 400 ? 'invalid-request' : 'unprocessable',
      status === 400 ? 'The request is invalid' : 'The request cannot be accepted',
      detail,
      { errors },
    );
  }
}

export function problemType(slug: string): string {
  return `urn:westwind:problem:${slug}`;
}

/** Writes a problem+json response: from Nest's filter, and from Express middleware outside it. */
export function sendProblem(
  request: Request,
  response: Response,
  problem: ProblemDetails,
  headers: Record<string, string> = {},
): void {
  problem.instance ??= request.originalUrl;
  response.locals[PROBLEM_TYPE_LOCAL] = problem.type;
  response.status(problem.status).set(headers).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
}
