import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { isRedisUnavailable } from '../redis/redis-errors.js';
import { ProblemDetails, ProblemException, problemType, sendProblem } from './problem.js';

const RETRY_AFTER_SECONDS = '5';

/** Turns every error into an RFC 9457 problem+json response; unexpected ones are logged, never leaked. */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<Request>();
    const response = http.getResponse<Response>();
    if (response.headersSent) return;
    const { problem, headers } = this.toProblem(error);
    sendProblem(request, response, problem, headers);
  }

  private toProblem(error: unknown): { problem: ProblemDetails; headers: Record<string, string> } {
    if (error instanceof ProblemException) return { problem: { ...error.problem }, headers: error.headers };
    if (isRedisUnavailable(error)) {
      this.logger.warn(`store unavailable: ${(error as Error).message}`);
      return {
        problem: {
          type: problemType('store-unavailable'),
          title: 'Service temporarily unavailable',
          status: 503,
          detail: 'The job store (Redis) cannot be reached; nothing was changed. Retry later.',
        },
        headers: { 'Retry-After': RETRY_AFTER_SECONDS },
      };
    }
    if (error instanceof HttpException) {
      const status = error.getStatus();
      const body = error.getResponse();
      const {
        message,
        statusCode: _code,
        error: _name,
        status: _status,
        ...extensions
      } = typeof body === 'object' ? (body as Record<string, unknown>) : { message: body };
      const detail = Array.isArray(message)
        ? message.join('; ')
        : typeof message === 'string'
          ? message
          : error.message;
      return {
        problem: { type: 'about:blank', title: statusTitle(status), status, detail, ...extensions },
        headers: {},
      };
    }
    this.logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    return {
      problem: {
        type: 'about:blank',
        title: 'Internal server error',
        status: 500,
        detail: 'An unexpected error occurred; it has been logged.',
      },
      headers: {},
    };
  }
}

/** "Not Found" from 404, as RFC 9457 suggests for about:blank problems. */
function statusTitle(status: number): string {
  const name = HttpStatus[status] as string | undefined;
  return name
    ? name
        .toLowerCase()
        .split('_')
        .map((w) => w[0].toUpperCase() + w.slice(1))
        .join(' ')
    : 'Error';
}
