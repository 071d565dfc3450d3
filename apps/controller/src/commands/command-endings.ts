import { Injectable } from '@nestjs/common';
import { EntityManager, In } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { TransactionService } from '../database/transaction.service';
import { CommandEntity, CommandStateName } from './command.entity';
import { canMoveTo } from './command-state';
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
  ) {}

  /**
   * A scan's verdict on one succeeded remediation (verification/remediation-proof.ts): verified or
   * failed (the scan is recorded on it), or left succeeded with why that scan did not verify it.
   */
  async settleRemediation(
    hostId: string,
    id: string,
    proof: ProofOutcome,
    scanRunId: string,
    actor: string,
    manager: EntityManager,
  ): Promise<void> {
    const repo = manager.getRepository(CommandEntity);
    if (proof.outcome === 'unverified') {
      await repo.update({ id, state: 'succeeded' }, { verificationNote: proof.reason });
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
    const moved = await repo.update({ id, state: 'succeeded' }, patch);
    if (!moved.affected) return;
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
    return this.tx.run(async (manager) => {
      const repo = manager.getRepository(CommandEntity);
      const row = await repo.findOne({
        where: { id: commandId, agentId, state: In([...RESULTS_REFUSABLE_STATES]) },
        select: { id: true, hostId: true, state: true },
      });
      if (!row) return false;
      const result = await repo.update(
        { id: row.id, state: row.state },
        { state: 'failed', failedAt: new Date(), message: reason },
      );
      if (!result.affected) return false;
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
      moved += await this.tx.run(async (manager) => {
        const repo = manager.getRepository(CommandEntity);
        const now = new Date();
        const rows = await repo.find({
          where: { id: In(batch), state: In([...from]) },
          select: { id: true, hostId: true, state: true },
        });
        let count = 0;
        for (const row of rows) {
          if (!canMoveTo(row.state, to)) continue;
          const result = await repo.update(
            { id: row.id, state: row.state },
            { state: to, [column]: now },
          );
          if (!result.affected) continue;
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
