import { loggerFor } from '../common/logger';

import { ServerDuplexStream, status, StatusObject } from '@grpc/grpc-js';
import type { AgentMessage, ControllerMessage } from '@log4fleet/contracts';
import { AgentPrincipal } from '../agents/agents.dto';
import { AgentRevokedException } from '../agents/agent-revoked.exception';
import { AgentsService } from '../agents/agents.service';
import { DomainErrorCode, DomainException } from '../common/domain.exception';
import { CommandsService } from '../commands/commands.service';
import { AgentRegistry, AgentStream, CloseReason } from '../connections/agent-registry.service';
import { CommandSigner } from '../signing/command-signer.service';
import { grpcStatus, toGrpcStatus } from './grpc-errors';
import { malformedReason } from './malformed-request';
import { storableText } from '../common/path-text';
import { AGENT_STATES_TEXT, validateCommandUpdate, validateHostFacts } from './message-validation';

export interface SessionDeps {
  agents: AgentsService;
  commands: CommandsService;
  registry: AgentRegistry;
  maxStreams: number;
  signer: CommandSigner;
}

/** Command ids a stream remembers having sent (see ConnectSession.firstSend). */
const SENT_COMMANDS_REMEMBERED = 4_096;

const CLOSE_STATUS: Record<CloseReason, status> = {
  replaced: status.ABORTED,
  revoked: status.PERMISSION_DENIED,
  shutdown: status.UNAVAILABLE,
};

/**
 * One agent's Connect stream. Messages are handled one at a time, in order, after the
 * credential check; a malformed message ends the stream with INVALID_ARGUMENT.
 */
export class ConnectSession implements AgentStream {
  private readonly logger = loggerFor(ConnectSession.name);
  private principal: AgentPrincipal | null = null;
  private queue: Promise<void> = Promise.resolve();
  private ended = false;
  private readonly commandsSent = new Set<string>();

  constructor(
    private readonly call: ServerDuplexStream<AgentMessage, ControllerMessage>,
    private readonly deps: SessionDeps,
  ) {}

  start(): void {
    this.call.on('data', (message: AgentMessage) => this.enqueue(() => this.handle(message)));
    this.call.on('end', () => this.finish(grpcStatus(status.OK, 'stream closed by the agent')));
    this.call.on('cancelled', () => this.forget());
    this.call.on('close', () => this.forget());
    this.call.on('error', () => this.forget());
    this.enqueue(() => this.open());
  }

  send(message: ControllerMessage): boolean {
    if (this.ended || !this.principal) return false;
    if (message.kind?.$case === 'command' && !this.firstSend(message.kind.value.id)) return true;
    // Command signing: every command is signed for this agent as it is written (signing/).
    return this.call.write(this.deps.signer.sign(message, this.principal.agentId));
  }

  /**
   * A command goes out once per stream. What is pending is pushed by the connect (open) and
   * again by the cluster router once the directory entry is visible (for commands created by
   * another process in between), and a command created during the connect is also pushed by
   * its creation: whichever comes second is skipped here. Bounded: the oldest ids are
   * forgotten (a command that old was answered long ago).
   */
  private firstSend(commandId: string): boolean {
    if (this.commandsSent.has(commandId)) return false;
    this.commandsSent.add(commandId);
    if (this.commandsSent.size > SENT_COMMANDS_REMEMBERED) {
      const oldest = this.commandsSent.values().next().value;
      if (oldest !== undefined) this.commandsSent.delete(oldest);
    }
    return true;
  }

  close(reason: CloseReason, details: string): void {
    // A revoked agent's details are the reason it was revoked: it is told, with the trailer.
    if (reason === 'revoked' && this.principal)
      this.fail(new AgentRevokedException(this.principal.agentId, details));
    else this.finish(grpcStatus(CLOSE_STATUS[reason], details));
  }

  private enqueue(work: () => Promise<void>): void {
    this.queue = this.queue.then(async () => {
      if (this.ended) return;
      try {
        await work();
      } catch (error) {
        this.fail(error);
      }
    });
  }

  private async open(): Promise<void> {
    const header = this.call.metadata.get('authorization')[0];
    const principal = await this.deps.agents.authenticate(
      typeof header === 'string' ? header : undefined,
    );
    if (
      !this.deps.registry.isConnected(principal.agentId) &&
      this.deps.registry.size >= this.deps.maxStreams
    ) {
      throw new DomainException(
        DomainErrorCode.ResourceExhausted,
        `this controller holds its maximum of ${this.deps.maxStreams} agent streams; retry later`,
      );
    }
    this.principal = principal;
    this.deps.registry.register(principal.agentId, this);
    await this.stillActive(principal);
    // The key chain before any command: the agent follows a rotation it missed, or pins the key.
    this.send(this.deps.signer.keysMessage());
    const pending = await this.deps.commands.pendingFor(principal.agentId);
    for (const command of pending) this.send({ kind: { $case: 'command', value: command } });
  }

  private async handle(message: AgentMessage): Promise<void> {
    const principal = this.principal;
    if (!principal) return;
    const malformed = malformedReason(message);
    if (malformed !== null) throw DomainException.invalid(malformed);
    const kind = message.kind;
    if (!kind)
      throw DomainException.invalid('agent message carries none of hello, heartbeat, update');
    switch (kind.$case) {
      case 'hello': {
        const facts = kind.value.host ? validateHostFacts(kind.value.host, false) : null;
        const version = storableText(kind.value.agentVersion.slice(0, 64));
        await this.deps.agents.recordHello(principal, version, facts);
        return;
      }
      case 'heartbeat':
        this.send({ kind: { $case: 'heartbeatAck', value: { serverTimeMs: Date.now() } } });
        await this.stillActive(principal);
        return;
      case 'update':
        await this.applyUpdate(principal, kind.value);
        return;
    }
  }

  private async stillActive(principal: AgentPrincipal): Promise<void> {
    if (await this.deps.agents.touchLastSeen(principal)) return;
    throw await this.deps.agents.revocationOf(principal.agentId);
  }

  private async applyUpdate(
    principal: AgentPrincipal,
    raw: Parameters<typeof validateCommandUpdate>[0],
  ): Promise<void> {
    const update = validateCommandUpdate(raw);
    if (!update) {
      this.logger.warn(
        { agentId: principal.agentId, commandId: raw.commandId, state: raw.state },
        `update ignored: its state is none an agent reports (${AGENT_STATES_TEXT})`,
      );
      return;
    }
    try {
      await this.deps.commands.applyUpdate(principal.agentId, update);
    } catch (error) {
      // A stale update for a command this agent does not own is dropped, not fatal to the stream.
      if (error instanceof DomainException && error.code === DomainErrorCode.NotFound) {
        this.logger.warn(
          { agentId: principal.agentId, commandId: update.commandId },
          'update for an unknown command ignored',
        );
        return;
      }
      throw error;
    }
  }

  private fail(error: unknown): void {
    this.finish(toGrpcStatus(error, { rpc: 'Connect', agentId: this.principal?.agentId }));
  }

  private finish(statusObject: StatusObject): void {
    if (this.ended) return;
    this.ended = true;
    this.forget();
    if (statusObject.code === status.OK) {
      this.call.end();
      return;
    }
    this.call.emit('error', statusObject);
  }

  private forget(): void {
    if (this.principal) this.deps.registry.unregister(this.principal.agentId, this);
    this.ended = true;
  }
}
