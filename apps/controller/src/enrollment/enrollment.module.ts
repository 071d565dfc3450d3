import { Module } from '@nestjs/common';
import { AgentsModule } from '../agents/agents.module';
import { AuditModule } from '../audit/audit.module';
import { HostsModule } from '../hosts/hosts.module';
import { EnrollService } from './enroll.service';
import { EnrollmentTokensController } from './enrollment-tokens.controller';
import { EnrollmentTokensService } from './enrollment-tokens.service';

@Module({
  imports: [AuditModule, HostsModule, AgentsModule],
  controllers: [EnrollmentTokensController],
  providers: [EnrollmentTokensService, EnrollService],
  exports: [EnrollService],
})
export class EnrollmentModule {}
