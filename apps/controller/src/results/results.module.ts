import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { CommandsModule } from '../commands/commands.module';
import { HostsModule } from '../hosts/hosts.module';
import { CommandResultsController } from './command-results.controller';
import { CommandResultsService } from './command-results.service';
import { FindingsController } from './findings.controller';
import { FindingsService } from './findings.service';
import { IngestQueue } from './ingest-queue.service';
import { IngestChunkJob } from './jobs/ingest-chunk.job';
import { SweepChunksJob } from './jobs/sweep-chunks.job';
import { ResultLimits } from './result-limits.service';
import { ResultPayloadRetention } from './result-payload-retention.service';
import { ResultsIngestService } from './results-ingest.service';
import { ResultUploadsService } from './result-uploads.service';
import { ResultChunksRepository } from './result-chunks.repository';
import { ResultChunksSetAside } from './result-chunks-set-aside';

import { ScanInventory } from '../scan/scan-inventory';
import { ScanHistoryController } from './scan-history.controller';
import { ScanHistoryService } from './scan-history.service';
import { ScanResults } from '../scan/scan-results';

@Module({
  imports: [AuditModule, CommandsModule, HostsModule],
  controllers: [FindingsController, CommandResultsController, ScanHistoryController],
  providers: [
    ResultsIngestService,
    ResultUploadsService,
    ResultChunksRepository,
    ResultChunksSetAside,
    FindingsService,
    CommandResultsService,
    IngestQueue,
    IngestChunkJob,
    SweepChunksJob,
    ResultLimits,
    ResultPayloadRetention,
    ScanResults,
    ScanInventory,
    ScanHistoryService,
  ],
  exports: [
    ResultsIngestService,
    ResultUploadsService,
    FindingsService,
    IngestQueue,
    ResultPayloadRetention,
  ],
})
export class ResultsModule {}
