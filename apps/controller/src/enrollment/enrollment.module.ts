import { Module } from '@nestjs/common';
import { AgentsModule } from '../agents/agents.module';
import { AuditModule } from '../audit/audit.module';
import { CommandsModule } from '../commands/commands.module';
import { HostsModule } from '../hosts/hosts.module';
import { SigningModule } from '../signing/signing.module';
import { ControllerCertificateController } from './controller-certificate.controller';
import { EnrollService } from './enroll.service';
import { EnrollmentTokensController } from './enrollment-tokens.controller';
import { EnrollmentTokensRepository } from './enrollment-tokens.repository';
import { EnrollmentTokensService } from './enrollment-tokens.service';

@Module({
  imports: [AuditModule, HostsModule, AgentsModule, CommandsModule, SigningModule],
  controllers: [EnrollmentTokensController, ControllerCertificateController],
  providers: [EnrollmentTokensService, EnrollmentTokensRepository, EnrollService],
  exports: [EnrollService],
})
export class EnrollmentModule {}
