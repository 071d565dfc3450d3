import type { Command } from '@log4fleet/contracts';
import { parseJsonObject } from '../common/json-column';
import { pathTextToBytes } from '../common/path-text';
import { CommandEntity, CommandStateName } from './command.entity';
import { CommandDto, SCAN_BOUNDS, ScanParams } from './commands.dto';

export function toCommandDto(entity: CommandEntity): CommandDto {
  const stamps: Array<[CommandStateName, Date | null]> = [
    ['queued', entity.createdAt],
    ['delivered', entity.deliveredAt],
    ['started', entity.startedAt],
    ['succeeded', entity.succeededAt],
    ['failed', entity.failedAt],
    ['verified', entity.verifiedAt],
    ['expired', entity.expiredAt],
    ['cancelled', entity.cancelledAt],
  ];
  const timestamps: Partial<Record<CommandStateName, string>> = {};
  for (const [state, at] of stamps) if (at) timestamps[state] = at.toISOString();
  return {
    id: entity.id,
    hostId: entity.hostId,
    agentId: entity.agentId,
    kind: entity.kind,
    payload: parseJsonObject(entity.payload),
    state: entity.state,
    message: entity.message,
    totalChunks: entity.totalChunks,
    createdBy: entity.createdBy,
    createdAt: entity.createdAt.toISOString(),
    expiresAt: entity.expiresAt.toISOString(),
    timestamps,
  };
}

/** The wire form of a stored command. */
export function toProtoCommand(entity: CommandEntity): Command {
  if (entity.kind !== 'scan')
    throw new Error(`command ${entity.id}: kind ${entity.kind} has no wire form yet`);
  const params = parseJsonObject(entity.payload) as unknown as ScanParams;
  return {
    id: entity.id,
    issuedAtMs: entity.createdAt.getTime(),
    expiresAtMs: entity.expiresAt.getTime(),
    kind: {
      $case: 'scan',
      value: {
        // Not strict: a command stored before paths had a text form keeps a stray backslash as typed.
        paths: params.paths.map((p) => pathTextToBytes(p, false)),
        exclude: params.exclude,
        includeNetworkFs: params.includeNetworkFs,
        oneFileSystem: params.oneFileSystem,
        maxDepth: wireNumber(params.maxDepth, SCAN_BOUNDS.maxDepth),
        maxNestedBytes: wireNumber(params.maxNestedBytes, SCAN_BOUNDS.maxNestedBytes),
        threads: wireNumber(params.threads, SCAN_BOUNDS.threads),
        nice: params.nice,
        processes: params.processes,
        processesOnly: params.processesOnly,
      },
    },
    signature: Buffer.alloc(0),
    // Set and signed for the agent by the signer as the command is written to its stream.
    agentId: entity.agentId,
  };
}

/**
 * A stored scan number as the wire may carry it: an integer from 0 (the agent's default) to max.
 * Commands stored before the DTO bounded these (1e300 was accepted) must still reach the agent
 * as a message it can decode (it refuses a uint64 beyond Number.MAX_SAFE_INTEGER).
 */
export function wireNumber(value: unknown, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) return 0;
  return Math.min(Math.floor(value), max);
}

export const STATE_TIMESTAMP: Record<CommandStateName, keyof CommandEntity | null> = {
  queued: null,
  delivered: 'deliveredAt',
  started: 'startedAt',
  succeeded: 'succeededAt',
  failed: 'failedAt',
  verified: 'verifiedAt',
  expired: 'expiredAt',
  cancelled: 'cancelledAt',
};

/** The column of STATE_TIMESTAMP's property (deliveredAt -> delivered_at), for hand-written SQL. */
export const STATE_COLUMN = Object.fromEntries(
  Object.entries(STATE_TIMESTAMP).map(([state, property]) => [
    state,
    property ? property.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`) : null,
  ]),
) as Record<CommandStateName, string | null>;
