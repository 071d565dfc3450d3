import { loggerFor } from '../common/logger';
import { Injectable } from '@nestjs/common';
import type { ControllerMessage } from '@log4fleet/contracts';

export type CloseReason = 'replaced' | 'revoked' | 'shutdown';

/** One agent's open control stream, as the registry sees it (no gRPC types here). */
export interface AgentStream {
  send(message: ControllerMessage): boolean;
  close(reason: CloseReason, details: string): void;
}

/** A stream of this agent came or went; agentId null: every stream of this process went. */
export interface StreamChange {
  agentId: string | null;
}

/**
 * The agents connected to this process: one stream per agent, a newer stream replaces the
 * older one. The database stays the truth; this is only where pushes go.
 */
@Injectable()
export class AgentRegistry {
  private readonly logger = loggerFor(AgentRegistry.name);
  private readonly streams = new Map<string, AgentStream>();
  private readonly listeners: Array<(change: StreamChange) => void> = [];

  /** Told of every stream this process gains or loses (the cluster's directory keeps track). */
  onChange(listener: (change: StreamChange) => void): void {
    this.listeners.push(listener);
  }

  private changed(change: StreamChange): void {
    for (const listener of this.listeners) listener(change);
  }

  get size(): number {
    return this.streams.size;
  }

  isConnected(agentId: string): boolean {
    return this.streams.has(agentId);
  }

  register(agentId: string, stream: AgentStream): void {
    const previous = this.streams.get(agentId);
    this.streams.set(agentId, stream);
    if (previous && previous !== stream) {
      this.logger.info({ agentId }, "a new stream replaced the agent's previous one");
      previous.close('replaced', 'replaced by a newer stream of the same agent');
    }
    this.changed({ agentId });
  }

  /** Removes the stream unless a newer one already took its place. */
  unregister(agentId: string, stream: AgentStream): void {
    if (this.streams.get(agentId) === stream) this.streams.delete(agentId);
    this.changed({ agentId });
  }

  send(agentId: string, message: ControllerMessage): boolean {
    const stream = this.streams.get(agentId);
    if (!stream) return false;
    stream.send(message);
    return true;
  }

  /** Sends `message` to every agent connected to this process; returns how many. */
  broadcast(message: ControllerMessage): number {
    for (const stream of this.streams.values()) stream.send(message);
    return this.streams.size;
  }

  disconnect(agentId: string, reason: CloseReason, details: string): boolean {
    const stream = this.streams.get(agentId);
    if (!stream) return false;
    this.streams.delete(agentId);
    stream.close(reason, details);
    this.changed({ agentId });
    return true;
  }

  disconnectAll(details: string): void {
    for (const [agentId, stream] of [...this.streams]) {
      this.streams.delete(agentId);
      stream.close('shutdown', details);
    }
    this.changed({ agentId: null });
  }
}
