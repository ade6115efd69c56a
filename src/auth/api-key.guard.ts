import { CanActivate, createParamDecorator, ExecutionContext, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { ProblemException } from '../common/problem.js';
import { TenantDirectory } from './tenant-directory.js';

type AuthenticatedRequest = Request & { tenant?: string };

/** `Authorization: Bearer <key>`; the key's tenant is attached to the request. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(private readonly tenants: TenantDirectory) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const match = /^Bearer ([\x21-\x7e]{1,512})$/i.exec(request.headers.authorization ?? '');
    const tenant = match ? this.tenants.tenantFor(match[1]) : undefined;
    if (!tenant) {
      throw ProblemException.of(
        401, 'unauthenticated', 'Authentication required',
        match ? 'The API key is not recognised.' : 'Send an API key as "Authorization: Bearer <key>".',
        {}, { 'WWW-Authenticate': 'Bearer realm="westwind"' },
      );
    }
    request.tenant = tenant;
    return true;
  }
}

/** The authenticated tenant's id; use on routes guarded by ApiKeyGuard. */
export const Tenant = createParamDecorator((_: unknown, context: ExecutionContext) => context.switchToHttp().getRequest<AuthenticatedRequest>().tenant!);
