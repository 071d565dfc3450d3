import { Injectable } from '@nestjs/common';
import type { HuntHit, HuntResults } from '@log4fleet/contracts';
import { timeOrderedUuid } from '../common/time-ordered-id';
import type { ResultCommand } from '../commands/commands.repository';
import { TransactionService } from '../database/transaction.service';
import { HostsService } from '../hosts/hosts.service';
import { completedBy, type KindResultChunk, type KindResultHandler } from '../results/kind-results';
import type { StoredChunk } from '../results/result-chunks.repository';
import { HuntHitsRepository, type NewHuntHit } from './hunt-hits.repository';

/** Errors kept per run (the agent sends at most HUNT_LIMITS.errors). */
const MAX_RUN_ERRORS = 1000;

/** A changed configuration file as a low-confidence hit: listed with the host's other evidence. */
function changedFileHit(f: HuntResults['changedFiles'][number]): HuntHit {
  return {
    kind: 'changed-file',
    confidence: 'low',
    file: f.path,
    line: 0,
    timestamp: f.changed === 'mtime' ? f.mtime : f.ctime,
    timestampText: '',
    raw: '',
    rawTruncated: false,
    decoded: `mtime ${f.mtime}, ctime ${f.ctime}, owner ${f.owner || f.uid}, mode ${f.mode}, ${f.size} bytes`,
    target: undefined,
    exfiltrates: [],
    trace: '',
    obfuscation: [],
    cves: [],
    indicatorType: '',
    indicatorValue: '',
    message: `configuration file changed after the date (${f.changed})`,
  };
}

/**
 * The hunt kind's result handling: hits become rows (per host, grouped fleet-wide by callback
 * host), each run keeps its summary and errors, and a hunt that completes with a high-confidence
 * hit flags its host compromise-suspected (issue 17), with the evidence in the timeline.
 */
@Injectable()
export class HuntResultsHandler implements KindResultHandler {
  readonly kind = 'hunt';

  constructor(
    private readonly tx: TransactionService,
    private readonly hosts: HostsService,
    private readonly repo: HuntHitsRepository,
  ) {}

  async ingest(
    chunks: KindResultChunk[],
    commands: ReadonlyMap<string, ResultCommand>,
    stored: ReadonlyMap<string, readonly StoredChunk[]>,
    createdAt: string,
  ): Promise<void> {
    const hits: NewHuntHit[] = [];
    for (const chunk of chunks) {
      const kind = chunk.results.kindResults?.kind;
      const command = commands.get(chunk.commandId);
      if (kind?.$case !== 'hunt' || !command) continue;
      const r = kind.value;
      const hitOf = (hit: HuntHit): NewHuntHit => ({
        id: timeOrderedUuid(),
        hit,
        hostId: command.hostId,
        commandId: command.id,
        createdAt,
      });
      for (const h of r.hits) hits.push(hitOf(h));
      for (const f of r.changedFiles) hits.push(hitOf(changedFileHit(f)));
      await this.repo.addToRun(command, {
        errors: r.errors.map((e) => ({ path: e.path, code: e.code, error: e.error })),
        hits: r.hits.length + r.changedFiles.length,
        summary: r.summary ?? null,
        maxErrors: MAX_RUN_ERRORS,
        createdAt,
      });
    }
    await this.repo.insertHits(hits);
    for (const commandId of completedBy(chunks, stored)) {
      const command = commands.get(commandId);
      if (!command) continue;
      await this.repo.completeRun(commandId, createdAt);
      const evidence = await this.repo.evidence(commandId);
      if (evidence.highHits === 0) continue;
      await this.hosts.flagCompromiseSuspected(
        command.hostId,
        `${evidence.highHits} hunt hit(s)${evidence.callbackHosts.length > 0 ? `, calling back to ${evidence.callbackHosts.join(', ')}` : ''}`,
        command.agentId,
        {
          commandId,
          hits: evidence.highHits,
          kinds: evidence.kinds,
          callbackHosts: evidence.callbackHosts,
        },
      );
    }
  }
}
