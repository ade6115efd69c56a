import { CanActivate, createParamDecorator, ExecutionContext, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { ProblemException } from '../common/problem.js';
import { bearerToken } from './bearer.js';
import { Principal, TenantDirectory } from './tenant-directory.js';

type AuthenticatedRequest = Request & { principal?: Principal };

/** `Authorization: Bearer <key>`; the key's principal is attached to the request if its kind is allowed here. */
@Injectable()
abstract class BearerKeyGuard implements CanActivate {
  protected abstract readonly allowed: ReadonlyArray<Principal['kind']>;

  constructor(private readonly directory: TenantDirectory) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const key = bearerToken(request.headers.authorization);
    const principal = key ? this.directory.principalFor(key) : undefined;
    if (!principal) {
      throw ProblemException.of(
        401, 'unauthenticated', 'Authentication required',
        key ? 'The API key is not recognised.' : 'Send an API key as "Authorization: Bearer <key>".',
        {}, { 'WWW-Authenticate': 'Bearer realm="westwind"' },
      );
    }
    if (!this.allowed.includes(principal.kind)) {
      throw ProblemException.of(403, 'forbidden', 'Not allowed', `This key belongs to ${principal.kind} "${principal.id}", which may not use this endpoint.`);
    }
    request.principal = principal;
    return true;
  }
}

/** Tenants: ML engineers submitting and tracking their jobs. */
@Injectable()
export class ApiKeyGuard extends BearerKeyGuard {
  protected readonly allowed = ['tenant'] as const;
}

/** Operators: the grid side (forecast uploads) and, later, the dashboard. */
@Injectable()
export class OperatorKeyGuard extends BearerKeyGuard {
  protected readonly allowed = ['operator'] as const;
}

/** Anyone with a key may read what is not a tenant's own (zones, signals). */
@Injectable()
export class ReaderKeyGuard extends BearerKeyGuard {
  protected readonly allowed = ['tenant', 'operator'] as const;
}

/** A site's agent, reporting what happened to the jobs it runs. */
@Injectable()
export class SiteKeyGuard extends BearerKeyGuard {
  protected readonly allowed = ['site'] as const;
}

const principalId = createParamDecorator((_: unknown, context: ExecutionContext) => context.switchToHttp().getRequest<AuthenticatedRequest>().principal!.id);

/** The authenticated tenant's id; use on routes guarded by ApiKeyGuard. */
export const Tenant = principalId;

/** The authenticated agent's site id; use on routes guarded by SiteKeyGuard. */
export const AgentSite = principalId;
