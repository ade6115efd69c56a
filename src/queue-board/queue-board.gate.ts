import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { admit, AuthenticatedRequest, OPERATOR_PAGES } from '../auth/api-key.guard.js';
import type { TenantDirectory } from '../auth/tenant-directory.js';
import { ProblemException, sendProblem } from '../common/problem.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * In front of bull-board: only operators get in; a viewer is handed to a second, read-only board
 * at the same path, an admin goes on to the full one. Changes (retry, clean, pause…) must come
 * from this origin, since a browser sends Basic credentials along with any cross-site request.
 */
export class QueueBoardGate {
  constructor(
    private readonly directory: TenantDirectory,
    private readonly viewerBoard: RequestHandler,
  ) {}

  readonly handle = (req: Request, res: Response, next: NextFunction): void => {
    try {
      const principal = admit(this.directory, req as AuthenticatedRequest, OPERATOR_PAGES);
      if (!SAFE_METHODS.has(req.method) && !sameOrigin(req))
        throw ProblemException.of(
          403,
          'cross-site-request',
          'Cross-site request refused',
          'Changes to queues must come from the queue board itself.',
        );
      if (principal.role === 'viewer') return void this.viewerBoard(req, res, next);
      next();
    } catch (error) {
      if (!(error instanceof ProblemException)) return next(error);
      sendProblem(req, res, { ...error.problem }, error.headers);
    }
  };
}

/** A browser's request from another site names it in Sec-Fetch-Site or Origin; tools send neither. */
function sameOrigin(req: Request): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return false;
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}
