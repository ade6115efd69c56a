import { Global, Module } from '@nestjs/common';
import { ApiKeyGuard, OperatorKeyGuard, OperatorPageGuard, ReaderKeyGuard, SiteKeyGuard } from './api-key.guard.js';
import { RateLimits } from './rate-limits.js';
import { TenantDirectory } from './tenant-directory.js';

const GUARDS = [ApiKeyGuard, OperatorKeyGuard, OperatorPageGuard, ReaderKeyGuard, SiteKeyGuard];

@Global()
@Module({ providers: [TenantDirectory, RateLimits, ...GUARDS], exports: [TenantDirectory, RateLimits, ...GUARDS] })
export class AuthModule {}
