import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { TransactionService } from '../database/transaction.service';
import { CommandEntity, CommandStateName } from './command.entity';
import { canMoveTo } from './command-state';
import { CommandsRepository } from './commands.repository';
import type { ProofOutcome } from '../verification/remediation-proof';

/** States a command whose results the controller refused may fail from. */
const RESULTS_REFUSABLE_STATES = ['queued', 'delivered', 'started', 'succeeded'] as const;
/** Commands moved per transaction by end(). */
const TRANSITION_BATCH = 500;

/** The controller's own endings of commands: cancel, expiry, refused results, remediation verdicts. */
@Injectable()
export class CommandEndings {
  constructor(
    private readonly audit: AuditService,
    private readonly tx: TransactionService,
    private readonly repo: CommandsRepository,
  ) {}

  /**
   * A scan's verdict on one succeeded remediation (verification/remediation-proof.ts): verified or
   * failed (the scan is recorded on it), or left succeeded with why that scan did not verify it.
   * In the caller's unit of work.
   */
  async settleRemediation(
    hostId: string,
    id: string,
    proof: ProofOutcome,
    scanRunId: string,
    actor: string,
  ): Promise<void> {
    if (proof.outcome === 'unverified') {
      await this.repo.moveFrom(id, 'succeeded', { verificationNote: proof.reason });
      return;
    }
    const now = new Date();
    const verified = proof.outcome === 'verified';
    const patch: Partial<CommandEntity> = verified
      ? {
          state: 'verified',
          verifiedAt: now,
          verifiedByScanRunId: scanRunId,
          verificationNote: null,
        }
      : {
          state: 'failed',
          failedAt: now,
          message: proof.reason,
          verifiedByScanRunId: scanRunId,
          verificationNote: proof.reason,
        };
    if (!(await this.repo.moveFrom(id, 'succeeded', patch))) return;
    await this.audit.record({
      actor,
      action: verified ? 'command.verified' : 'command.verification_failed',
      hostId,
      details: { commandId: id, from: 'succeeded', scanRunId },
    });
  }

  /**
   * The controller refused a command's results (over a per-command limit): the command fails with
   * the reason, also after its agent reported success (its results can never be complete now).
   * Returns whether it moved.
   */
  async failForRefusedResults(
    commandId: string,
    agentId: string,
    reason: string,
  ): Promise<boolean> {
    return this.tx.run(async () => {
      const row = await this.repo.ofAgentInStates(commandId, agentId, RESULTS_REFUSABLE_STATES);
      if (!row) return false;
      const moved = await this.repo.moveFrom(row.id, row.state, {
        state: 'failed',
        failedAt: new Date(),
        message: reason,
      });
      if (!moved) return false;
      await this.audit.record({
        actor: 'system',
        action: 'command.failed',
        hostId: row.hostId,
        details: { commandId, from: row.state, message: reason },
      });
      return true;
    });
  }

  /**
   * `from` -> cancelled|expired, one guarded UPDATE per command (WHERE state = <old>): a command
   * that moved meanwhile (an agent started it, another caller ended it) is left alone and not audited.
   */
  async end(
    commandIds: readonly string[],
    to: 'cancelled' | 'expired',
    actor: string,
    context: Record<string, unknown>,
    from: readonly CommandStateName[],
  ): Promise<number> {
    const column = to === 'cancelled' ? 'cancelledAt' : 'expiredAt';
    let moved = 0;
    for (let i = 0; i < commandIds.length; i += TRANSITION_BATCH) {
      const batch = commandIds.slice(i, i + TRANSITION_BATCH);
      moved += await this.tx.run(async () => {
        const now = new Date();
        const rows = await this.repo.inStates(batch, from);
        let count = 0;
        for (const row of rows) {
          if (!canMoveTo(row.state, to)) continue;
          if (!(await this.repo.moveFrom(row.id, row.state, { state: to, [column]: now })))
            continue;
          await this.audit.record({
            actor,
            action: `command.${to}`,
            hostId: row.hostId,
            details: { ...context, commandId: row.id, from: row.state },
          });
          count++;
        }
        return count;
      });
    }
    return moved;
  }
}
