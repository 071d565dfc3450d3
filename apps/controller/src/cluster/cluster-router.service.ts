import { Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { ControllerMessage } from '@log4fleet/contracts';
import type Redis from 'ioredis';
import { CommandsService } from '../commands/commands.service';
import { loggerFor } from '../common/logger';
import { AgentRegistry } from '../connections/agent-registry.service';
import { QueuesService } from '../queues/queues.service';
import { createRedisConnection } from '../queues/redis-connection.factory';
import { AgentDirectory } from './agent-directory.service';

interface PushEnvelope {
  agentId: string;
  /** ControllerMessage, protobuf-encoded, base64. */
  message: string;
}

/**
 * Makes several controller processes behave as one for pushes. The core's AgentRegistry only
 * knows this process's streams; this wraps it (no change to the core's code): every stream
 * change is written to the AgentDirectory, and a push for an agent held by another process is
 * published on that process's channel, where it is written to the stream. Pub/sub may drop a
 * message while Redis restarts: the agent still gets the command from the database when it
 * reconnects, as for any missed push.
 */
@Injectable()
export class ClusterRouter implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = loggerFor(ClusterRouter.name);
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private localSend: AgentRegistry['send'] | null = null;
  forwarded = 0;
  received = 0;

  constructor(
    queues: QueuesService,
    private readonly registry: AgentRegistry,
    private readonly directory: AgentDirectory,
    private readonly commands: CommandsService,
  ) {
    this.publisher = createRedisConnection(
      queues.settings.redisUrl,
      'directory',
      'cluster-publisher',
    );
    this.subscriber = createRedisConnection(
      queues.settings.redisUrl,
      'subscriber',
      'cluster-subscriber',
    );
  }

  onModuleInit(): void {
    this.wrapRegistry();
    this.directory.onPublished((agentIds) => void this.pushPendingTo(agentIds));
    this.subscriber.on('messageBuffer', (_channel: Buffer, payload: Buffer) =>
      this.deliver(payload),
    );
    subscribeWhenReady(this.subscriber, this.directory.channel, this.logger);
  }

  async onApplicationShutdown(): Promise<void> {
    this.subscriber.disconnect();
    await this.publisher.quit().catch(() => undefined);
  }

  /** Sends to the agent wherever its stream is: here, or through the holder's channel. */
  async push(
    agentId: string,
    message: ControllerMessage,
  ): Promise<'local' | 'forwarded' | 'offline'> {
    if (this.sendHere(agentId, message)) return 'local';
    return (await this.forward(agentId, message)) ? 'forwarded' : 'offline';
  }

  private sendHere(agentId: string, message: ControllerMessage): boolean {
    return this.localSend ? this.localSend(agentId, message) : this.registry.send(agentId, message);
  }

  private async forward(agentId: string, message: ControllerMessage): Promise<boolean> {
    const holder = (await this.directory.holders([agentId])).get(agentId);
    if (!holder || holder === this.directory.processId) return false;
    const envelope: PushEnvelope = {
      agentId,
      message: Buffer.from(ControllerMessage.encode(message).finish()).toString('base64'),
    };
    const receivers = await this.publisher.publish(
      this.directory.channelOf(holder),
      JSON.stringify(envelope),
    );
    if (receivers > 0) this.forwarded++;
    return receivers > 0;
  }

  /**
   * Between an agent's connect (when the core pushes what it missed) and the moment this
   * process's directory entry for it reaches Redis, another process that creates a command for
   * it finds no holder and leaves it queued. Once the entry is visible, push what is still
   * pending; the agent runs a command id at most once, so a second push of one is harmless.
   * All the agents are asked for at once, so their reads share statements (one agent at a time,
   * the 10,000 agents of a reconnect storm made 10,000 reads that ran on into the next campaign).
   */
  private async pushPendingTo(agentIds: readonly string[]): Promise<void> {
    await Promise.all(
      agentIds.map(async (agentId) => {
        try {
          for (const command of await this.commands.pendingFor(agentId))
            this.sendHere(agentId, { kind: { $case: 'command', value: command } });
        } catch (error) {
          this.logger.warn(
            { agentId, err: error instanceof Error ? error.message : String(error) },
            'could not push pending commands after the directory write (the agent gets them on reconnect)',
          );
        }
      }),
    );
  }

  private deliver(payload: Buffer): void {
    try {
      const envelope = JSON.parse(payload.toString('utf8')) as PushEnvelope;
      const message = ControllerMessage.decode(Buffer.from(envelope.message, 'base64'));
      this.received++;
      if (!this.sendHere(envelope.agentId, message))
        this.logger.debug(
          { agentId: envelope.agentId },
          'forwarded push for an agent no longer here (it gets it on reconnect)',
        );
    } catch (error) {
      this.logger.warn(
        { err: error instanceof Error ? error.message : String(error) },
        'malformed cluster push ignored',
      );
    }
  }

  /**
   * Hooks the core's registry from outside: register/unregister/disconnect report to the
   * directory, and send() falls back to the holder's channel when the stream is not here
   * (so the core's own pushes, e.g. POST /hosts/:id/scans, reach agents on other processes).
   */
  private wrapRegistry(): void {
    const registry = this.registry;
    const register = registry.register.bind(registry);
    const unregister = registry.unregister.bind(registry);
    const disconnect = registry.disconnect.bind(registry);
    const disconnectAll = registry.disconnectAll.bind(registry);
    const send = registry.send.bind(registry);
    this.localSend = send;
    registry.register = (agentId, stream) => {
      register(agentId, stream);
      this.directory.noteChange(agentId);
    };
    registry.unregister = (agentId, stream) => {
      unregister(agentId, stream);
      this.directory.noteChange(agentId);
    };
    registry.disconnect = (agentId, reason, details) => {
      const result = disconnect(agentId, reason, details);
      this.directory.noteChange(agentId);
      return result;
    };
    registry.disconnectAll = (details) => {
      disconnectAll(details);
      this.directory.noteAllGone();
    };
    registry.send = (agentId, message) => {
      if (send(agentId, message)) return true;
      this.forward(agentId, message).catch((error: Error) =>
        this.logger.warn(
          { agentId, err: error.message },
          'cluster forward failed (the agent gets it on reconnect)',
        ),
      );
      return false;
    };
  }
}

/**
 * SUBSCRIBE once the connection is ready, not awaited: a Redis that is down at start must not
 * block the controller, and ioredis re-subscribes by itself after a reconnect. Sent while the
 * connection was between connect and ready (a slower start reached this point then), SUBSCRIBE
 * put it in subscriber mode before ioredis's own ready check: that failed ("only subscriber
 * commands may be used"), the process never subscribed, and pushes forwarded to it were lost.
 */
function subscribeWhenReady(
  subscriber: Redis,
  channel: string,
  logger: ReturnType<typeof loggerFor>,
): void {
  const subscribe = (): void => {
    subscriber
      .subscribe(channel)
      .catch((error: Error) =>
        logger.warn({ err: error.message }, 'cluster channel subscription failed'),
      );
  };
  if (subscriber.status === 'ready') subscribe();
  else subscriber.once('ready', subscribe);
}
