import type { FixCommand, RestoreCommand } from '@log4fleet/contracts';
import { fixFiles, restoreFiles } from '@log4fleet/remediation';
import { invalidIdMessage, isCommandId } from '../daemon/command-id';
import type { KindHandler, KindRun } from '../daemon/kinds/kind-handler';
import { putKindResults } from '../daemon/kinds/kind-results';
import type { Outbox } from '../daemon/outbox';
import { checkPaths, fixParts, restoreParts } from './fix-results';

export interface RemediationHandlerDeps {
  outbox: Outbox;
  /** The agent's state directory: backups go to <stateDir>/remediation/<command id>/. */
  stateDir: string;
}

/** Stops between files once the command is cancelled: a file is fixed whole or not at all. */
function stopIfCancelled(run: KindRun): void {
  if (run.signal.aborted)
    throw run.signal.reason instanceof Error ? run.signal.reason : new Error('cancelled');
}

/**
 * The fix kind on the agent (signed commands only: the verifier refuses others): the
 * remediation library over each path, the command id as the backup's operation id, one result
 * per file (refusals and failures included) in the outbox.
 */
export class FixHandler implements KindHandler<'fix'> {
  constructor(private readonly deps: RemediationHandlerDeps) {}

  async run(params: FixCommand, run: KindRun): Promise<number> {
    const paths = checkPaths(params.paths, 'fix');
    run.started();
    const results = [];
    for (const p of paths) {
      stopIfCancelled(run);
      const [result] = fixFiles([p], {
        stateDir: this.deps.stateDir,
        operationId: run.commandId,
        dryRun: params.dryRun,
        stripSignatures: params.stripSignatures,
        log4j1: params.log4j1,
      }).results;
      run.log.info(
        {
          path: p,
          outcome: result.outcome,
          removed: result.removed.length,
          restartNeeded: result.restartNeeded.map((h) => h.pid),
        },
        `fix: ${result.message}`,
      );
      results.push(result);
    }
    run.writing();
    return putKindResults(this.deps.outbox, run.commandId, fixParts(results));
  }
}

/** The restore kind on the agent: the originals of earlier fixes put back. */
export class RestoreHandler implements KindHandler<'restore'> {
  constructor(private readonly deps: RemediationHandlerDeps) {}

  async run(params: RestoreCommand, run: KindRun): Promise<number> {
    const paths = checkPaths(params.paths, 'restore');
    // It names a backup directory: the agent's one check of command ids.
    if (params.fixCommandId !== '' && !isCommandId(params.fixCommandId))
      throw new Error(invalidIdMessage('restore.fix_command_id', params.fixCommandId));
    run.started();
    const results = [];
    for (const p of paths) {
      stopIfCancelled(run);
      const [result] = restoreFiles([p], {
        stateDir: this.deps.stateDir,
        force: params.force,
        ...(params.fixCommandId ? { operationId: params.fixCommandId } : {}),
      });
      run.log.info({ path: p, outcome: result.outcome }, `restore: ${result.message}`);
      results.push(result);
    }
    run.writing();
    return putKindResults(this.deps.outbox, run.commandId, restoreParts(results));
  }
}
