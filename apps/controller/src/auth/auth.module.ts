import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuditModule } from '../audit/audit.module';
import { ApiTokenGuard } from './api-token.guard';
import { ApiTokensController } from './api-tokens.controller';
import { ApiTokensService } from './api-tokens.service';

@Module({
  imports: [AuditModule],
  controllers: [ApiTokensController],
  providers: [ApiTokensService, { provide: APP_GUARD, useClass: ApiTokenGuard }],
  exports: [ApiTokensService],
})
export class AuthModule {}
