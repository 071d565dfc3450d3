import { Injectable } from '@nestjs/common';
import type { FileFix, FileRestore } from '@log4fleet/contracts';
import type { AuditRecord } from '../audit/audit.dto';
import { AuditService } from '../audit/audit.service';
import type { ResultCommand } from '../commands/commands.service';
import { loggerFor } from '../common/logger';
import { TransactionService } from '../database/transaction.service';
import { HostsService } from '../hosts/hosts.service';
import { completedBy, type KindResultChunk, type KindResultHandler } from '../results/kind-results';
import type { StoredChunk } from '../results/result-chunks.repository';

/** Whether a file's fix changed the host: a file replaced (a dry run changes nothing). */
export const changedHost = (file: Pick<FileFix, 'outcome'>): boolean => file.outcome === 'fixed';

/** The evidence of one file, as the audit log keeps it. */
function fixEvidence(f: FileFix): Record<string, unknown> {
  return {
    path: f.path,
    target: f.target,
    outcome: f.outcome,
    message: f.message,
    removed: f.removed,
    copies: f.copies.map((c) => ({
      path: c.path,
      packageRoot: c.packageRoot,
      version: c.version,
      before: c.statusBefore,
      after: c.statusAfter || null,
      action: c.action,
      ...(c.refusalCode ? { refusal: c.refusalCode, reason: c.refusalReason } : {}),
    })),
    ...(f.signaturesStripped.length > 0 ? { signaturesStripped: f.signaturesStripped } : {}),
    ...(f.sha256Before ? { sha256Before: f.sha256Before, sha256After: f.sha256After } : {}),
    ...(f.restartNeeded.length > 0
      ? { restartNeeded: f.restartNeeded.map((h) => ({ pid: h.pid, command: h.command })) }
      : {}),
  };
}

/**
 * The fix kind's results: each file's outcome and evidence goes to the audit log (the host's
 * timeline) as the agent's; a file replaced moves the host to 'remediated', which the
 * verification rescan (queued when the command succeeded) turns into 'verified' or back into
 * 'vulnerable'.
 */
@Injectable()
export class FixResultsHandler implements KindResultHandler {
  readonly kind = 'fix';
  private readonly logger = loggerFor(FixResultsHandler.name);

  constructor(
    private readonly tx: TransactionService,
    private readonly hosts: HostsService,
    private readonly audit: AuditService,
  ) {}

  async ingest(
    chunks: KindResultChunk[],
    commands: ReadonlyMap<string, ResultCommand>,
    stored: ReadonlyMap<string, readonly StoredChunk[]>,
  ): Promise<void> {
    const events: AuditRecord[] = [];
    const remediated = new Map<string, string>();
    for (const chunk of chunks) {
      const command = commands.get(chunk.commandId);
      const kind = chunk.results.kindResults?.kind;
      if (!command || kind?.$case !== 'fix') continue;
      const files = kind.value.files;
      events.push({
        actor: command.agentId,
        action: 'fix.files',
        hostId: command.hostId,
        details: { commandId: command.id, part: chunk.sequence, files: files.map(fixEvidence) },
      });
      if (files.some(changedHost)) remediated.set(command.hostId, command.id);
    }
    for (const id of completedBy(chunks, stored)) {
      const command = commands.get(id);
      if (command)
        events.push({
          actor: command.agentId,
          action: 'fix.completed',
          hostId: command.hostId,
          details: { commandId: id },
        });
    }
    for (const [hostId, commandId] of remediated) {
      const host = await this.hosts.require(hostId);
      const actor = commands.get(commandId)?.agentId ?? 'agent';
      await this.hosts.markRemediated(host, actor, commandId);
      this.logger.info(
        { hostId, commandId },
        'host remediated by a fix: verification rescan decides',
      );
    }
    await this.audit.recordMany(events);
  }
}

function restoreEvidence(f: FileRestore): Record<string, unknown> {
  return {
    path: f.path,
    target: f.target,
    outcome: f.outcome,
    message: f.message,
    fixCommandId: f.fixCommandId || null,
    sha256: f.sha256 || null,
  };
}

/** The restore kind's results: each file's outcome in the audit log; the rescan tells the host's state. */
@Injectable()
export class RestoreResultsHandler implements KindResultHandler {
  readonly kind = 'restore';

  constructor(
    private readonly tx: TransactionService,
    private readonly audit: AuditService,
  ) {}

  async ingest(
    chunks: KindResultChunk[],
    commands: ReadonlyMap<string, ResultCommand>,
  ): Promise<void> {
    const events: AuditRecord[] = [];
    for (const chunk of chunks) {
      const command = commands.get(chunk.commandId);
      const kind = chunk.results.kindResults?.kind;
      if (!command || kind?.$case !== 'restore') continue;
      events.push({
        actor: command.agentId,
        action: 'restore.files',
        hostId: command.hostId,
        details: {
          commandId: command.id,
          part: chunk.sequence,
          files: kind.value.files.map(restoreEvidence),
        },
      });
    }
    await this.audit.recordMany(events);
  }
}
