import { Global, Module } from '@nestjs/common';
import { ApiKeyGuard } from './api-key.guard.js';
import { TenantDirectory } from './tenant-directory.js';

@Global()
@Module({ providers: [TenantDirectory, ApiKeyGuard], exports: [TenantDirectory, ApiKeyGuard] })
export class AuthModule {}
