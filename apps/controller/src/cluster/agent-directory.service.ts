import { Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type Redis from 'ioredis';
import { loggerFor } from '../common/logger';
import { AgentRegistry } from '../connections/agent-registry.service';
import { QueuesService } from '../queues/queues.service';
import { createRedisConnection } from '../queues/redis-connection.factory';
import { clusterKeys, newProcessId, pickHolder } from './cluster-keys';

const FLUSH_DELAY_MS = 50;
const BATCH = 1_000;

/**
 * Which controller process holds which agent's stream, in Redis. Each process keeps a hash of
 * its agents and a liveness key, both with a TTL its heartbeat refreshes: a killed process's
 * entries vanish on their own, and a process that finds its hash gone (Redis restarted empty)
 * writes it again. The database stays the truth; this only says where a push should go.
 */
@Injectable()
export class AgentDirectory implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly processId = newProcessId();
  private readonly logger = loggerFor(AgentDirectory.name);
  private readonly redis: Redis;
  private readonly keys: ReturnType<typeof clusterKeys>;
  private readonly local = new Map<string, number>();
  private readonly pending = new Map<string, 'add' | 'del'>();
  private flushTimer: NodeJS.Timeout | null = null;
  private readonly publishedListeners: ((agentIds: string[]) => void)[] = [];
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private readonly ttlMs: number;
  private readonly heartbeatMs: number;

  constructor(
    queues: QueuesService,
    private readonly registry: AgentRegistry,
  ) {
    this.redis = createRedisConnection(queues.settings.redisUrl, 'directory', 'cluster-directory');
    this.keys = clusterKeys(queues.settings.prefix);
    this.heartbeatMs = queues.settings.clusterHeartbeatMs;
    this.ttlMs = this.heartbeatMs * 3;
  }

  get channel(): string {
    return this.keys.channel(this.processId);
  }

  channelOf(processId: string): string {
    return this.keys.channel(processId);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.heartbeat().catch((error: Error) =>
      this.logger.warn({ err: error.message }, 'first cluster heartbeat failed; retrying'),
    );
    this.heartbeatTimer = setInterval(
      () =>
        void this.heartbeat().catch((error: Error) =>
          this.logger.warn({ err: error.message }, 'cluster heartbeat failed'),
        ),
      this.heartbeatMs,
    );
    this.heartbeatTimer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    if (this.flushTimer) clearTimeout(this.flushTimer);
    await this.redis
      .multi()
      .del(this.keys.agents(this.processId), this.keys.alive(this.processId))
      .srem(this.keys.processes, this.processId)
      .exec()
      .catch(() => undefined);
    this.redis.disconnect();
  }

  /** Called when the registry gained or lost an agent's stream in this process. */
  noteChange(agentId: string): void {
    if (this.registry.isConnected(agentId)) {
      this.local.set(agentId, Date.now());
      this.pending.set(agentId, 'add');
    } else {
      this.local.delete(agentId);
      this.pending.set(agentId, 'del');
    }
    this.flushTimer ??= setTimeout(() => void this.flush(), FLUSH_DELAY_MS);
  }

  /** Called with the agents whose stream here has just become visible to the other processes. */
  onPublished(listener: (agentIds: string[]) => void): void {
    this.publishedListeners.push(listener);
  }

  noteAllGone(): void {
    for (const agentId of this.local.keys()) this.pending.set(agentId, 'del');
    this.local.clear();
    this.flushTimer ??= setTimeout(() => void this.flush(), FLUSH_DELAY_MS);
  }

  /**
   * The live process holding each agent's stream (agents held by none are absent). While Redis
   * is unreachable only this process's own streams are known.
   */
  async holders(agentIds: readonly string[]): Promise<Map<string, string>> {
    try {
      return await this.holdersInRedis(agentIds);
    } catch (error) {
      this.logger.warn(
        { err: error instanceof Error ? error.message : String(error) },
        'cluster directory unreachable; only local streams known',
      );
      return new Map(
        agentIds.filter((id) => this.registry.isConnected(id)).map((id) => [id, this.processId]),
      );
    }
  }

  private async holdersInRedis(agentIds: readonly string[]): Promise<Map<string, string>> {
    const result = new Map<string, string>();
    if (agentIds.length === 0) return result;
    const processes = await this.liveProcesses();
    for (let i = 0; i < agentIds.length; i += BATCH) {
      const batch = agentIds.slice(i, i + BATCH);
      const claims = new Map<string, Array<{ processId: string; connectedAtMs: number }>>();
      const pipeline = this.redis.pipeline();
      for (const processId of processes) pipeline.hmget(this.keys.agents(processId), ...batch);
      const replies = (await pipeline.exec()) ?? [];
      replies.forEach(([error, values], p) => {
        if (error || !Array.isArray(values)) return;
        (values as Array<string | null>).forEach((value, j) => {
          if (value === null) return;
          const agentId = batch[j];
          claims.set(agentId, [
            ...(claims.get(agentId) ?? []),
            { processId: processes[p], connectedAtMs: Number(value) },
          ]);
        });
      });
      for (const [agentId, list] of claims) {
        const holder = pickHolder(list);
        if (holder) result.set(agentId, holder);
      }
    }
    // This process knows its own streams better than Redis does.
    for (const agentId of agentIds)
      if (this.registry.isConnected(agentId)) result.set(agentId, this.processId);
    return result;
  }

  async liveProcesses(): Promise<string[]> {
    const members = await this.redis.smembers(this.keys.processes);
    if (members.length === 0) return [];
    const alive = await this.redis.mget(...members.map((m) => this.keys.alive(m)));
    const dead = members.filter((_, i) => alive[i] === null);
    if (dead.length > 0) await this.redis.srem(this.keys.processes, ...dead);
    return members.filter((_, i) => alive[i] !== null);
  }

  private async heartbeat(): Promise<void> {
    const agentsKey = this.keys.agents(this.processId);
    const [[, length]] = ((await this.redis
      .multi()
      .hlen(agentsKey)
      .set(this.keys.alive(this.processId), String(Date.now()), 'PX', this.ttlMs)
      .sadd(this.keys.processes, this.processId)
      .exec()) ?? [[null, 0]]) as Array<[Error | null, number]>;
    if (length !== this.local.size) await this.rewriteAll();
    await this.redis.pexpire(agentsKey, this.ttlMs);
  }

  private async rewriteAll(): Promise<void> {
    const agentsKey = this.keys.agents(this.processId);
    const entries = [...this.local.entries()];
    const pipeline = this.redis.pipeline().del(agentsKey);
    for (let i = 0; i < entries.length; i += BATCH)
      pipeline.hset(
        agentsKey,
        ...entries.slice(i, i + BATCH).flatMap(([id, at]) => [id, String(at)]),
      );
    await pipeline.pexpire(agentsKey, this.ttlMs).exec();
  }

  private async flush(): Promise<void> {
    this.flushTimer = null;
    if (this.pending.size === 0) return;
    const changes = [...this.pending.entries()];
    this.pending.clear();
    const agentsKey = this.keys.agents(this.processId);
    const adds = changes.filter(([, c]) => c === 'add').map(([id]) => id);
    const dels = changes.filter(([, c]) => c === 'del').map(([id]) => id);
    const pipeline = this.redis.pipeline();
    for (let i = 0; i < adds.length; i += BATCH)
      pipeline.hset(
        agentsKey,
        ...adds.slice(i, i + BATCH).flatMap((id) => [id, String(this.local.get(id) ?? Date.now())]),
      );
    for (let i = 0; i < dels.length; i += BATCH)
      pipeline.hdel(agentsKey, ...dels.slice(i, i + BATCH));
    pipeline.pexpire(agentsKey, this.ttlMs);
    // A failed write is repaired by the next heartbeat (it rewrites the hash when sizes differ).
    const written = await pipeline
      .exec()
      .then(() => true)
      .catch((error: Error) => {
        this.logger.warn({ err: error.message }, 'cluster directory write failed');
        return false;
      });
    const visible = adds.filter((id) => this.local.has(id));
    if (written && visible.length > 0)
      for (const listener of this.publishedListeners) listener(visible);
  }
}
