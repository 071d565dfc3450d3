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
import { ScanRunsRepository } from '../scan/scan-runs.repository';
import { QuarantineResults, ReleaseResults } from '../quarantine/containment-results';
import { ContainmentModule } from '../quarantine/quarantine.module';
import { ProbeResults } from '../probe/probe-results';
import { ProbeStoreModule } from '../probe/probe-store.module';
import { FixResultsHandler, RestoreResultsHandler } from '../remediation/remediation-results';
import { HuntModule } from '../hunt/hunt.module';
import { HuntResultsHandler } from '../hunt/hunt-results';
import { KIND_RESULT_HANDLERS, KindResultHandler } from './kind-results';

@Module({
  imports: [
    AuditModule,
    CommandsModule,
    HostsModule,
    ContainmentModule,
    ProbeStoreModule,
    HuntModule,
  ],
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
    // Each kind's result handling (results/kind-results.ts): a kind adds its class here and to
    // the factory's list.
    ScanResults,
    ScanInventory,
    ScanRunsRepository,
    ScanHistoryService,
    QuarantineResults,
    ReleaseResults,
    ProbeResults,
    FixResultsHandler,
    RestoreResultsHandler,
    HuntResultsHandler,
    {
      provide: KIND_RESULT_HANDLERS,
      useFactory: (...handlers: KindResultHandler[]): KindResultHandler[] => handlers,
      inject: [
        ScanResults,
        QuarantineResults,
        ReleaseResults,
        ProbeResults,
        FixResultsHandler,
        RestoreResultsHandler,
        HuntResultsHandler,
      ],
    },
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
