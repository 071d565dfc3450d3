import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { ControllerMessage } from '@log4fleet/contracts';
import type Redis from 'ioredis';
import { loggerFor } from '../common/logger';
import { AgentRegistry } from '../connections/agent-registry.service';
import { QueuesService } from '../queues/queues.service';
import { createRedisConnection } from '../queues/redis-connection.factory';
import { AgentDirectory } from './agent-directory.service';

/**
 * Where a push went: this process's stream of the agent, another controller process that holds
 * the agent's stream (by Redis pub/sub), or nowhere: the agent is not connected and gets the
 * command from the database when it connects.
 */
export type DeliveredTo = 'local' | 'another-process' | 'not-connected';

/** A push as published on the holder's channel. */
export interface PushEnvelope {
  agentId: string;
  /** ControllerMessage, protobuf-encoded, base64. */
  message: string;
}

/**
 * Every push to an agent goes through here: to the agent's stream when this process holds it,
 * else to the process that does. Pub/sub may drop a message while Redis restarts: the agent
 * still gets the command from the database when it reconnects, as for any missed push.
 */
@Injectable()
export class CommandDelivery implements OnApplicationShutdown {
  private readonly logger = loggerFor(CommandDelivery.name);
  private readonly publisher: Redis;
  forwarded = 0;

  constructor(
    queues: QueuesService,
    private readonly registry: AgentRegistry,
    private readonly directory: AgentDirectory,
  ) {
    this.publisher = createRedisConnection(
      queues.settings.redisUrl,
      'directory',
      'cluster-publisher',
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.publisher.quit().catch(() => undefined);
  }

  /** Sends to the agent wherever its stream is; never throws (a failed forward: not-connected). */
  async deliver(agentId: string, message: ControllerMessage): Promise<DeliveredTo> {
    if (this.sendHere(agentId, message)) return 'local';
    try {
      return (await this.forward(agentId, message)) ? 'another-process' : 'not-connected';
    } catch (error) {
      this.logger.warn(
        { agentId, err: error instanceof Error ? error.message : String(error) },
        'cluster forward failed (the agent gets it on reconnect)',
      );
      return 'not-connected';
    }
  }

  /** To this process's stream of the agent only. */
  sendHere(agentId: string, message: ControllerMessage): boolean {
    return this.registry.send(agentId, message);
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
}
