import { CanActivate, createParamDecorator, ExecutionContext, Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ProblemException } from '../common/problem.js';
import { RateLimits } from './rate-limits.js';
import { Principal, TenantDirectory } from './tenant-directory.js';

export type AuthenticatedRequest = Request & { principal?: Principal };

/**
 * Who may pass a guard: principal kinds, whether a viewer operator will do, whether a browser's
 * Basic login is taken.
 */
export interface Admission {
  kinds: ReadonlyArray<Principal['kind']>;
  viewers: boolean;
  basic: boolean;
}

/**
 * The principal a request's credentials name, if it is admitted; otherwise a 401 (no or unknown
 * credentials) or 403 (known, but not allowed here). Shared by the guards and bull-board's middleware.
 */
export function admit(directory: TenantDirectory, request: AuthenticatedRequest, admission: Admission): Principal {
  const { principal, presented } = directory.authenticate(request.headers.authorization, admission.basic);
  if (!principal) {
    throw ProblemException.of(
      401,
      'unauthenticated',
      'Authentication required',
      presented
        ? 'The credentials are not recognised.'
        : admission.basic
          ? 'Log in as an operator (Basic: operator id and API key) or send "Authorization: Bearer <key>".'
          : 'Send an API key as "Authorization: Bearer <key>".',
      {},
      {
        'WWW-Authenticate': admission.basic
          ? 'Basic realm="Westwind operators", charset="UTF-8"'
          : 'Bearer realm="westwind"',
      },
    );
  }
  if (!admission.kinds.includes(principal.kind)) {
    throw ProblemException.of(
      403,
      'forbidden',
      'Not allowed',
      `This key belongs to ${principal.kind} "${principal.id}", which may not use this endpoint.`,
    );
  }
  if (principal.role === 'viewer' && !admission.viewers) {
    throw ProblemException.of(
      403,
      'forbidden',
      'Not allowed',
      `Operator "${principal.id}" is a viewer and may not change anything.`,
    );
  }
  request.principal = principal;
  return principal;
}

@Injectable()
abstract class KeyGuard implements CanActivate {
  protected abstract readonly admission: Admission;

  constructor(
    private readonly directory: TenantDirectory,
    private readonly rateLimits: RateLimits,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const principal = admit(this.directory, http.getRequest<AuthenticatedRequest>(), this.admission);
    if (principal.kind === 'tenant') await this.rateLimits.spend('tenant', principal.id, http.getResponse<Response>());
    return true;
  }
}

/** Tenants: ML engineers submitting and tracking their jobs. */
@Injectable()
export class ApiKeyGuard extends KeyGuard {
  protected readonly admission = { kinds: ['tenant'], viewers: false, basic: false } as const;
}

/** Operators who may change things (forecast uploads); viewers are refused. */
@Injectable()
export class OperatorKeyGuard extends KeyGuard {
  protected readonly admission = { kinds: ['operator'], viewers: false, basic: false } as const;
}

/** What operators look at in a browser or scrape (dashboard, metrics): any operator, Basic login taken. */
@Injectable()
export class OperatorPageGuard extends KeyGuard {
  protected readonly admission = OPERATOR_PAGES;
}

export const OPERATOR_PAGES: Admission = { kinds: ['operator'], viewers: true, basic: true };

/** Anyone with a key may read what is not a tenant's own (zones, signals). */
@Injectable()
export class ReaderKeyGuard extends KeyGuard {
  protected readonly admission = { kinds: ['tenant', 'operator'], viewers: true, basic: false } as const;
}

/** A site's agent, reporting what happened to the jobs it runs. */
@Injectable()
export class SiteKeyGuard extends KeyGuard {
  protected readonly admission = { kinds: ['site'], viewers: false, basic: false } as const;
}

const principalId = createParamDecorator(
  (_: unknown, context: ExecutionContext) => context.switchToHttp().getRequest<AuthenticatedRequest>().principal!.id,
);

/** The authenticated tenant's id; use on routes guarded by ApiKeyGuard. */
export const Tenant = principalId;

/** The authenticated agent's site id; use on routes guarded by SiteKeyGuard. */
export const AgentSite = principalId;
