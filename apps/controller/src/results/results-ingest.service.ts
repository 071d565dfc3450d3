import { loggerFor } from '../common/logger';
import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { UploadResultsRequest } from '@log4fleet/contracts';
import type { ScanSummary, UploadResultsResponse } from '@log4fleet/contracts';
import { AgentPrincipal } from '../agents/agents.dto';
import { AuditService } from '../audit/audit.service';
import { DomainException } from '../common/domain.exception';
import { CommandEntity } from '../commands/command.entity';
import { CommandsService } from '../commands/commands.service';
import { bulkInsert } from '../database/bulk-insert';
import { TransactionService } from '../database/transaction.service';
import { HostsService } from '../hosts/hosts.service';
import { FindingEntity } from './finding.entity';
import { IngestQueue } from './ingest-queue.service';
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

/** Which chunk a results.ingest job stores (no payload and no secret in the job: the row holds the bytes). */
export interface ChunkKey {
  agentId: string;
  commandId: string;
  sequence: number;
}

@Injectable()
export class ResultsIngestService {
  private readonly logger = loggerFor(ResultsIngestService.name);

  constructor(
    private readonly tx: TransactionService,
    private readonly commands: CommandsService,
    private readonly hosts: HostsService,
    private readonly audit: AuditService,
    private readonly ingestQueue: IngestQueue,
  ) {}

  /**
   * Keeps one chunk raw, keyed by (agent, command, sequence), and answers at once: a repeated
   * chunk stores nothing and answers duplicate=true; `complete` means every chunk was received.
   * A results.ingest job turns it into findings later. While ingestion is too far behind the
   * upload is refused (RESOURCE_EXHAUSTED) and the agent keeps the chunk in its outbox.
   */
  async accept(
    principal: AgentPrincipal,
    chunk: UploadResultsRequest,
  ): Promise<UploadResultsResponse> {
    await this.ingestQueue.refuseWhenBehind();
    // Checked before the transaction too: on SQLite a rolled-back transaction would also undo
    // writes other requests interleaved on the one connection, so expected refusals happen outside.
    this.checkConsistent(
      await this.commands.findForUpload(principal.agentId, chunk.commandId),
      chunk,
    );
    const key: ChunkKey = {
      agentId: principal.agentId,
      commandId: chunk.commandId,
      sequence: chunk.sequence,
    };
    const answer = await this.tx.run(async (manager) => {
      const command = await this.commands.lockForUpload(
        principal.agentId,
        chunk.commandId,
        manager,
        this.tx.isPostgres,
      );
      const chunks = manager.getRepository(ResultChunkEntity);
      const perCommand = { agentId: principal.agentId, commandId: command.id };
      const existing = await chunks.findOne({
        where: key,
        select: { id: true, ingestedAt: true },
      });
      if (existing) {
        const received = await chunks.countBy(perCommand);
        return {
          response: {
            duplicate: true,
            chunksReceived: received,
            complete: received >= chunk.totalChunks,
          },
          pending: existing.ingestedAt === null,
        };
      }
      this.checkConsistent(command, chunk);
      if (command.totalChunks === null)
        await this.commands.setTotalChunks(command.id, chunk.totalChunks, manager);
      await chunks.insert({
        id: randomUUID(),
        ...key,
        totalChunks: chunk.totalChunks,
        findingsCount: chunk.findings.length,
        errorsCount: chunk.errors.length,
        receivedAt: new Date(),
        payload: Buffer.from(UploadResultsRequest.encode(chunk).finish()).toString('base64'),
        ingestedAt: null,
      });
      const received = await chunks.countBy(perCommand);
      return {
        response: {
          duplicate: false,
          chunksReceived: received,
          complete: received >= chunk.totalChunks,
        },
        pending: true,
      };
    });
    // Also for a duplicate not yet ingested: the job id is deterministic, so this adds nothing twice.
    if (answer.pending) await this.ingestQueue.enqueueSafely(key);
    return answer.response;
  }

  /**
   * The results.ingest job: in one transaction, stores the chunk's findings and errors and marks
   * it ingested; a chunk already ingested stores nothing (a retried job after a crash). The last
   * chunk of a command completes the scan run and applies the host's verdict.
   */
  async ingest(key: ChunkKey): Promise<'ingested' | 'already-ingested' | 'missing'> {
    return this.tx.run(async (manager) => {
      // The command's row lock serializes the chunks of one command (scan run, completion).
      const command = await this.commands.lockForUpload(
        key.agentId,
        key.commandId,
        manager,
        this.tx.isPostgres,
      );
      const chunks = manager.getRepository(ResultChunkEntity);
      const row = await chunks.findOneBy(key);
      if (!row) {
        this.logger.warn(key, 'ingest job for a chunk that was never stored');
        return 'missing';
      }
      if (row.ingestedAt !== null || row.payload === null) return 'already-ingested';
      const chunk = UploadResultsRequest.decode(Buffer.from(row.payload, 'base64'));
      const run = await this.scanRunFor(command, manager);
      await this.storeRows(run, chunk, manager);
      if (chunk.summary) applySummary(run, chunk.summary);
      // The transformer of a date column cannot take IsNull(), hence the builder.
      const marked = await chunks
        .createQueryBuilder()
        .update()
        .set({ ingestedAt: new Date() })
        .where('id = :id AND ingested_at IS NULL', { id: row.id })
        .execute();
      if (!marked.affected)
        throw new Error(`chunk ${key.commandId}/${key.sequence} was ingested concurrently`);
      const ingested = await chunks
        .createQueryBuilder('c')
        .where('c.agent_id = :agentId AND c.command_id = :commandId', key)
        .andWhere('c.ingested_at IS NOT NULL')
        .getCount();
      if (ingested >= row.totalChunks && !run.finishedAt)
        await this.completeScan(run, command, manager);
      else await manager.getRepository(ScanRunEntity).save(run);
      return 'ingested';
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
    command: CommandEntity,
    manager: EntityManager,
  ): Promise<void> {
    const agentId = command.agentId;
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
    // Results kept in an agent's outbox arrive late and may be ingested after a newer scan's:
    // the host's state follows the newest command, never an older one finishing last.
    const host = await this.hosts.lockForVerdict(run.hostId, manager, this.tx.isPostgres);
    const superseded = await this.isOlderThan(command, host.lastScanRunId, manager);
    const remediationRecorded = await this.commands.hasRecordedRemediation(run.hostId, manager);
    await this.audit.record(
      {
        actor: agentId,
        action: 'scan.completed',
        hostId: run.hostId,
        details: {
          scanRunId: run.id,
          commandId: run.commandId,
          findings: run.findingsCount,
          errors: run.errorsCount,
          vulnerable,
          ...(superseded ? { superseded: true } : {}),
        },
      },
      manager,
    );
    if (superseded) {
      this.logger.info(
        { hostId: run.hostId, scanRunId: run.id, newer: host.lastScanRunId },
        'scan completed after a newer one: host state unchanged',
      );
      return;
    }
    const updated = await this.hosts.applyScanVerdict(
      {
        hostId: run.hostId,
        scanRunId: run.id,
        vulnerable,
        remediationRecorded,
        actor: agentId,
      },
      manager,
    );
    if (remediationRecorded && (vulnerable || updated.status === 'verified'))
      await this.commands.settleRemediations(run.hostId, !vulnerable, run.id, agentId, manager);
    this.logger.info(
      {
        hostId: updated.id,
        scanRunId: run.id,
        status: updated.status,
        findings: run.findingsCount,
      },
      'scan completed',
    );
  }

  /** Whether the host's last applied scan came from a command created after this one. */
  private async isOlderThan(
    command: CommandEntity,
    lastScanRunId: string | null,
    manager: EntityManager,
  ): Promise<boolean> {
    if (!lastScanRunId) return false;
    const last = await manager.getRepository(ScanRunEntity).findOne({
      where: { id: lastScanRunId },
      select: { id: true, commandId: true },
    });
    if (!last || last.commandId === command.id) return false;
    const lastCommand = await manager.getRepository(CommandEntity).findOne({
      where: { id: last.commandId },
      select: { id: true, createdAt: true },
    });
    return lastCommand !== null && lastCommand.createdAt > command.createdAt;
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
