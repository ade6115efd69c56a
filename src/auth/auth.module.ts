import { Global, Module } from '@nestjs/common';
import { ApiKeyGuard, OperatorKeyGuard, ReaderKeyGuard, SiteKeyGuard } from './api-key.guard.js';
import { TenantDirectory } from './tenant-directory.js';

@Global()
@Module({ providers: [TenantDirectory, ApiKeyGuard, OperatorKeyGuard, ReaderKeyGuard, SiteKeyGuard], exports: [TenantDirectory, ApiKeyGuard, OperatorKeyGuard, ReaderKeyGuard, SiteKeyGuard] })
export class AuthModule {}
