import { loggerFor } from '../common/logger';
import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type {
  ScanSummary,
  UploadResultsRequest,
  UploadResultsResponse,
} from '@log4fleet/contracts';
import { AgentPrincipal } from '../agents/agents.dto';
import { AuditService } from '../audit/audit.service';
import { DomainException } from '../common/domain.exception';
import { CommandEntity } from '../commands/command.entity';
import { CommandsService } from '../commands/commands.service';
import { bulkInsert } from '../database/bulk-insert';
import { TransactionService } from '../database/transaction.service';
import { HostsService } from '../hosts/hosts.service';
import { FindingEntity } from './finding.entity';
import { findingColumns, scanErrorColumns } from './findings.mapper';
import { ResultChunkEntity } from './result-chunk.entity';
import { ScanErrorEntity } from './scan-error.entity';
import { ScanRunEntity } from './scan-run.entity';

const FINDING_COLUMNS = [
  'id',
  'host_id',
  'scan_run_id',
  'command_id',
  'chain',
  'path',
  'product',
  'version',
  'version_exact',
  'status',
  'cves',
  'evidence',
  'package_root',
  'sha256',
  'created_at',
];
const SCAN_ERROR_COLUMNS = [
  'id',
  'host_id',
  'scan_run_id',
  'command_id',
  'chain',
  'path',
  'code',
  'message',
  'created_at',
];

/** A host is vulnerable when its inventory holds an exploitable log4j-core (Log4Shell lives there). */
const VULNERABLE_PRODUCT = 'log4j-core';

@Injectable()
export class ResultsIngestService {
  private readonly logger = loggerFor(ResultsIngestService.name);

  constructor(
    private readonly tx: TransactionService,
    private readonly commands: CommandsService,
    private readonly hosts: HostsService,
    private readonly audit: AuditService,
  ) {}

  /**
   * Stores one chunk with its findings and errors in one transaction, keyed by
   * (agent, command, sequence): a repeated chunk stores nothing and answers duplicate=true.
   */
  async ingest(
    principal: AgentPrincipal,
    chunk: UploadResultsRequest,
  ): Promise<UploadResultsResponse> {
    // Checked before the transaction too: on SQLite a rolled-back transaction would also undo
    // writes other requests interleaved on the one connection, so expected refusals happen outside.
    this.checkConsistent(
      await this.commands.findForUpload(principal.agentId, chunk.commandId),
      chunk,
    );
    return this.tx.run(async (manager) => {
      const command = await this.commands.lockForUpload(
        principal.agentId,
        chunk.commandId,
        manager,
        this.tx.isPostgres,
      );
      const chunks = manager.getRepository(ResultChunkEntity);
      const key = { agentId: principal.agentId, commandId: command.id };
      if (await chunks.existsBy({ ...key, sequence: chunk.sequence })) {
        const received = await chunks.countBy(key);
        return {
          duplicate: true,
          chunksReceived: received,
          complete: received >= chunk.totalChunks,
        };
      }
      this.checkConsistent(command, chunk);
      if (command.totalChunks === null)
        await this.commands.setTotalChunks(command.id, chunk.totalChunks, manager);
      const run = await this.scanRunFor(command, manager);
      await chunks.insert({
        id: randomUUID(),
        ...key,
        sequence: chunk.sequence,
        totalChunks: chunk.totalChunks,
        findingsCount: chunk.findings.length,
        errorsCount: chunk.errors.length,
        receivedAt: new Date(),
      });
      await this.storeRows(run, chunk, manager);
      if (chunk.summary) applySummary(run, chunk.summary);
      const received = await chunks.countBy(key);
      const complete = received >= chunk.totalChunks;
      if (complete && !run.finishedAt) await this.completeScan(run, principal, manager);
      else await manager.getRepository(ScanRunEntity).save(run);
      return { duplicate: false, chunksReceived: received, complete };
    });
  }

  private checkConsistent(command: CommandEntity, chunk: UploadResultsRequest): void {
    if (command.kind !== 'scan')
      throw DomainException.invalid(
        `command ${command.id} is a ${command.kind}, which uploads no scan results`,
      );
    if (command.totalChunks !== null && command.totalChunks !== chunk.totalChunks) {
      throw DomainException.invalid(
        `command ${command.id}: total_chunks ${chunk.totalChunks} differs from the ${command.totalChunks} announced before`,
      );
    }
  }

  private async scanRunFor(command: CommandEntity, manager: EntityManager): Promise<ScanRunEntity> {
    const repo = manager.getRepository(ScanRunEntity);
    const existing = await repo.findOneBy({ commandId: command.id });
    if (existing) return existing;
    const run: ScanRunEntity = {
      id: randomUUID(),
      hostId: command.hostId,
      commandId: command.id,
      startedAt: command.startedAt,
      finishedAt: null,
      files: 0,
      directories: 0,
      archives: 0,
      bytesRead: 0,
      findingsCount: 0,
      errorsCount: 0,
      vulnerable: 0,
      mitigated: 0,
      safe: 0,
      unknown: 0,
      durationMs: 0,
      createdAt: new Date(),
    };
    await repo.insert(run);
    return run;
  }

  private async storeRows(
    run: ScanRunEntity,
    chunk: UploadResultsRequest,
    manager: EntityManager,
  ): Promise<void> {
    const createdAt = new Date().toISOString();
    const base = [run.hostId, run.id, run.commandId];
    const findings = chunk.findings.map((f) => {
      const c = findingColumns(f);
      return [
        randomUUID(),
        ...base,
        c.chain,
        c.path,
        c.product,
        c.version,
        c.versionExact,
        c.status,
        c.cves,
        c.evidence,
        c.packageRoot,
        c.sha256,
        createdAt,
      ];
    });
    await bulkInsert(manager, 'findings', FINDING_COLUMNS, findings);
    const errors = chunk.errors.map((e) => {
      const c = scanErrorColumns(e);
      return [randomUUID(), ...base, c.chain, c.path, c.code, c.message, createdAt];
    });
    await bulkInsert(manager, 'scan_errors', SCAN_ERROR_COLUMNS, errors);
  }

  private async completeScan(
    run: ScanRunEntity,
    principal: AgentPrincipal,
    manager: EntityManager,
  ): Promise<void> {
    run.finishedAt = new Date();
    const findings = manager.getRepository(FindingEntity);
    run.findingsCount = await findings.countBy({ scanRunId: run.id });
    run.errorsCount = await manager.getRepository(ScanErrorEntity).countBy({ scanRunId: run.id });
    await manager.getRepository(ScanRunEntity).save(run);
    const vulnerable = await findings.existsBy({
      scanRunId: run.id,
      product: VULNERABLE_PRODUCT,
      status: 'vulnerable',
    });
    const remediationRecorded = await this.commands.hasRecordedRemediation(run.hostId, manager);
    await this.audit.record(
      {
        actor: principal.agentId,
        action: 'scan.completed',
        hostId: run.hostId,
        details: {
          scanRunId: run.id,
          commandId: run.commandId,
          findings: run.findingsCount,
          errors: run.errorsCount,
          vulnerable,
        },
      },
      manager,
    );
    const host = await this.hosts.applyScanVerdict(
      {
        hostId: run.hostId,
        scanRunId: run.id,
        vulnerable,
        remediationRecorded,
        actor: principal.agentId,
      },
      manager,
    );
    this.logger.info(
      { hostId: host.id, scanRunId: run.id, status: host.status, findings: run.findingsCount },
      'scan completed',
    );
  }
}

function applySummary(run: ScanRunEntity, summary: ScanSummary): void {
  run.files = summary.files;
  run.directories = summary.directories;
  run.archives = summary.archives;
  run.bytesRead = summary.bytes;
  run.vulnerable = summary.vulnerable;
  run.mitigated = summary.mitigated;
  run.safe = summary.safe;
  run.unknown = summary.unknown;
  run.durationMs = summary.durationMs;
  if (summary.startedAtMs > 0) run.startedAt = new Date(summary.startedAtMs);
}
