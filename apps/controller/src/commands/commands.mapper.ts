import type { Command } from '@log4fleet/contracts';
import { parseJsonObject } from '../common/json-column';
import { CommandEntity, CommandStateName } from './command.entity';
import { CommandDto } from './commands.dto';
import { kindDefinition } from './kinds';

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

/**
 * The wire form of a stored command, whatever its kind: every command pushed to an agent, by
 * any caller and any controller process, is built here (the place a signature is added).
 */
export function toProtoCommand(entity: CommandEntity): Command {
  const definition = kindDefinition(entity.kind);
  if (!definition) throw new Error(`command ${entity.id}: kind ${entity.kind} has no wire form`);
  return {
    id: entity.id,
    issuedAtMs: entity.createdAt.getTime(),
    expiresAtMs: entity.expiresAt.getTime(),
    kind: definition.toWire(definition.fromStored(parseJsonObject(entity.payload))),
    signature: Buffer.alloc(0),
    // Set and signed for the agent by the signer as the command is written to its stream.
    agentId: entity.agentId,
  };
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
