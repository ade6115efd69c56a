import { Global, Module } from '@nestjs/common';
import { ApiKeyGuard, OperatorKeyGuard, OperatorPageGuard, ReaderKeyGuard, SiteKeyGuard } from './api-key.guard.js';
import { TenantDirectory } from './tenant-directory.js';

@Global()
@Module({ providers: [TenantDirectory, ApiKeyGuard, OperatorKeyGuard, OperatorPageGuard, ReaderKeyGuard, SiteKeyGuard], exports: [TenantDirectory, ApiKeyGuard, OperatorKeyGuard, OperatorPageGuard, ReaderKeyGuard, SiteKeyGuard] })
export class AuthModule {}
