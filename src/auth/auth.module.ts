import { Global, Module } from '@nestjs/common';
import { ApiKeyGuard, OperatorKeyGuard, ReaderKeyGuard } from './api-key.guard.js';
import { TenantDirectory } from './tenant-directory.js';

@Global()
@Module({ providers: [TenantDirectory, ApiKeyGuard, OperatorKeyGuard, ReaderKeyGuard], exports: [TenantDirectory, ApiKeyGuard, OperatorKeyGuard, ReaderKeyGuard] })
export class AuthModule {}
