import { Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { ControllerMessage } from '@log4fleet/contracts';
import type Redis from 'ioredis';
import { CommandsService } from '../commands/commands.service';
import { loggerFor } from '../common/logger';
import { AgentRegistry } from '../connections/agent-registry.service';
import { QueuesService } from '../queues/queues.service';
import { createRedisConnection } from '../queues/redis-connection.factory';
import { AgentDirectory } from './agent-directory.service';
import { CommandDelivery, type PushEnvelope } from './command-delivery.service';

/**
 * The receiving half of the cluster's pushes (CommandDelivery is the sending half): writes the
 * pushes other processes publish on this process's channel to the agents' streams here, keeps
 * the AgentDirectory told of every stream this process gains or loses (the registry's change
 * listener), and pushes an agent's pending commands once its directory entry is visible.
 */
@Injectable()
export class ClusterRouter implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = loggerFor(ClusterRouter.name);
  private readonly subscriber: Redis;
  received = 0;

  constructor(
    queues: QueuesService,
    private readonly registry: AgentRegistry,
    private readonly directory: AgentDirectory,
    private readonly delivery: CommandDelivery,
    private readonly commands: CommandsService,
  ) {
    this.subscriber = createRedisConnection(
      queues.settings.redisUrl,
      'subscriber',
      'cluster-subscriber',
    );
  }

  /** Pushes forwarded to other processes (by this process's CommandDelivery). */
  get forwarded(): number {
    return this.delivery.forwarded;
  }

  onModuleInit(): void {
    this.registry.onChange(({ agentId }) =>
      agentId === null ? this.directory.noteAllGone() : this.directory.noteChange(agentId),
    );
    this.directory.onPublished((agentIds) => void this.pushPendingTo(agentIds));
    this.subscriber.on('messageBuffer', (_channel: Buffer, payload: Buffer) =>
      this.deliver(payload),
    );
    subscribeWhenReady(this.subscriber, this.directory.channel, this.logger);
  }

  onApplicationShutdown(): void {
    this.subscriber.disconnect();
  }

  /** Sends to the agent wherever its stream is (CommandDelivery.deliver). */
  push(agentId: string, message: ControllerMessage) {
    return this.delivery.deliver(agentId, message);
  }

  /**
   * Between an agent's connect (when the core pushes what it missed) and the moment this
   * process's directory entry for it reaches Redis, another process that creates a command for
   * it finds no holder and leaves it queued. Once the entry is visible, push what is still
   * pending; the stream skips the commands the connect already sent (ConnectSession.send).
   * All the agents are asked for at once, so their reads share statements (one agent at a time,
   * the 10,000 agents of a reconnect storm made 10,000 reads that ran on into the next campaign).
   */
  private async pushPendingTo(agentIds: readonly string[]): Promise<void> {
    await Promise.all(
      agentIds.map(async (agentId) => {
        try {
          for (const command of await this.commands.pendingFor(agentId))
            this.delivery.sendHere(agentId, { kind: { $case: 'command', value: command } });
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
      if (!this.delivery.sendHere(envelope.agentId, message))
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
