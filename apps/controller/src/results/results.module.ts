import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { CommandsModule } from '../commands/commands.module';
import { HostsModule } from '../hosts/hosts.module';
import { FindingsController } from './findings.controller';
import { FindingsService } from './findings.service';
import { ResultsIngestService } from './results-ingest.service';

@Module({
  imports: [AuditModule, CommandsModule, HostsModule],
  controllers: [FindingsController],
  providers: [ResultsIngestService, FindingsService],
  exports: [ResultsIngestService, FindingsService],
})
export class ResultsModule {}
