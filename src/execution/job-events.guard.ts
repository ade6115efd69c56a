import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { admit, type AuthenticatedRequest } from '../auth/api-key.guard.js';
import { bearerToken } from '../auth/bearer.js';
import { TenantDirectory } from '../auth/tenant-directory.js';
import { ProblemException } from '../common/problem.js';
import { isJobToken, JobEventTokens } from './job-event-tokens.js';

/**
 * Who may report on a job (POST /v1/jobs/:id/events): a site's agent with one of the site's
 * `agentKeys`, or the job itself with the events token its site's executor issued it (JobEventTokens),
 * which is good for that one job only and speaks for that site.
 */
@Injectable()
export class JobEventsGuard implements CanActivate {
  constructor(
    private readonly directory: TenantDirectory,
    private readonly tokens: JobEventTokens,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const token = bearerToken(request.headers.authorization);
    if (!token || !isJobToken(token)) {
      admit(this.directory, request, { kinds: ['site'], viewers: false, basic: false });
      return true;
    }
    const jobId = typeof request.params.id === 'string' ? request.params.id : '';
    const site = await this.tokens.siteOf(jobId, token);
    if (!site)
      throw ProblemException.of(
        401,
        'unauthenticated',
        'Authentication required',
        "The token is not this job's events token: a job's token is good for that job only.",
        {},
        { 'WWW-Authenticate': 'Bearer realm="westwind"' },
      );
    request.principal = { kind: 'site', id: site, job: jobId };
    return true;
  }
}
