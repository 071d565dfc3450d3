import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { AuditService } from '../audit/audit.service';
import { DomainErrorCode, DomainException } from '../common/domain.exception';
import { hashMatches, newSecret, sha256Hex } from '../common/secrets';
import { AgentRegistry } from '../connections/agent-registry.service';
import { TransactionService } from '../database/transaction.service';
import { HostFactsInput } from '../hosts/hosts.dto';
import { MicroBatcher, Settled } from '../common/micro-batcher';
import { HostsService } from '../hosts/hosts.service';
import { AgentEntity } from './agent.entity';
import { AgentRevokedException, replacedReason, revokedByReason } from './agent-revoked.exception';
import { parseAgentAuthorization } from './agent-credential';
import { AgentDto, AgentPrincipal } from './agents.dto';
import { toAgentDto } from './agents.mapper';
import { AgentsRepository, StoredCredential } from './agents.repository';

// Heartbeats arrive every interval from every agent; last-seen is written every other one at most.
const LAST_SEEN_WRITES_PER_HEARTBEATS = 2;
const MAX_TRACKED_LAST_SEEN = 100_000;

/** Agents read per credential lookup at most. */
const CREDENTIAL_BATCH = 500;

/** Agents whose last-seen time, or hello, is written per batch at most. */
const SIGHTING_BATCH = 500;

interface Hello {
  principal: AgentPrincipal;
  version: string;
  facts: HostFactsInput | null;
}

@Injectable()
export class AgentsService {
  private readonly lastSeenWrites = new Map<string, number>();
  private readonly lastSeenWriteIntervalMs: number;

  constructor(
    private readonly agents: AgentsRepository,
    private readonly hosts: HostsService,
    private readonly registry: AgentRegistry,
    private readonly audit: AuditService,
    private readonly tx: TransactionService,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.lastSeenWriteIntervalMs =
      config.heartbeatIntervalS * 1000 * LAST_SEEN_WRITES_PER_HEARTBEATS;
  }

  /**
   * Every stream and every upload authenticates: the agents of the requests that arrive together
   * are read with one plain SQL statement.
   */
  private readonly credentials = new MicroBatcher<string, StoredCredential | null>(
    (ids) => this.credentialsOf(ids),
    CREDENTIAL_BATCH,
  );

  private readonly sightings = new MicroBatcher<AgentPrincipal, boolean>(
    (principals) => this.recordSightings(principals),
    SIGHTING_BATCH,
  );

  private readonly hellos = new MicroBatcher<Hello, void>(
    (hellos) => this.recordHellos(hellos),
    SIGHTING_BATCH,
  );

  private async credentialsOf(ids: string[]): Promise<Array<Settled<StoredCredential | null>>> {
    const byId = await this.agents.credentialsOf(ids);
    return ids.map((id) => ({ ok: true, value: byId.get(id) ?? null }));
  }

  /**
   * Checks "Bearer <agent_id>.<secret>". A revoked agent that proves its credential is told why
   * it was revoked (AgentRevokedException), so that it stops retrying.
   */
  async authenticate(authorization: string | undefined): Promise<AgentPrincipal> {
    const parsed = parseAgentAuthorization(authorization);
    if (!parsed)
      throw new DomainException(
        DomainErrorCode.Unauthenticated,
        'missing or malformed agent credential',
      );
    const agent = await this.credentials.submit(parsed.agentId);
    if (!agent || !hashMatches(parsed.secret, agent.credentialHash)) {
      throw new DomainException(
        DomainErrorCode.Unauthenticated,
        'unknown agent or wrong credential',
      );
    }
    if (agent.revoked) throw new AgentRevokedException(agent.id, agent.revokedReason ?? 'revoked');
    return { agentId: agent.id, hostId: agent.hostId };
  }

  /** Why an agent is revoked, for a stream found revoked after it was opened. */
  async revocationOf(agentId: string): Promise<AgentRevokedException> {
    const agent = await this.agents.findById(agentId);
    return new AgentRevokedException(agentId, agent?.revokedReason ?? 'revoked');
  }

  /**
   * In an enrollment's transaction: the host's agents not revoked, and whether `credential`
   * ("<agent_id>.<secret>", empty when none was sent) is the credential of one of them.
   */
  async enrollmentStanding(
    hostId: string,
    credential: string,
  ): Promise<{ activeAgentIds: string[]; proven: boolean }> {
    const active = await this.agents.activeOfHost(hostId);
    const presented = credential ? parseAgentAuthorization(`Bearer ${credential}`) : null;
    const proven =
      presented !== null &&
      active.some(
        (a) => a.id === presented.agentId && hashMatches(presented.secret, a.credentialHash),
      );
    return { activeAgentIds: active.map((a) => a.id), proven };
  }

  /** A new agent for an enrolling host; older agents of the host are revoked in the same transaction. */
  async createForHost(
    hostId: string,
    version: string,
  ): Promise<{
    agentId: string;
    secret: string;
    revokedAgentIds: string[];
    revokedReason: string;
  }> {
    const previous = await this.agents.activeOfHost(hostId);
    const now = new Date();
    const id = randomUUID();
    const revokedReason = replacedReason(id, now);
    if (previous.length > 0)
      await this.agents.revokeMany(
        previous.map((a) => a.id),
        now,
        revokedReason,
      );
    const secret = newSecret(32);
    const agent: AgentEntity = {
      id,
      hostId,
      credentialHash: sha256Hex(secret),
      version,
      lastSeenAt: now,
      revoked: false,
      revokedAt: null,
      revokedReason: null,
      createdAt: now,
    };
    await this.agents.insert(agent);
    return { agentId: agent.id, secret, revokedAgentIds: previous.map((a) => a.id), revokedReason };
  }

  async revoke(id: string, actor: string): Promise<AgentDto> {
    const agent = await this.agents.findById(id);
    if (!agent) throw DomainException.notFound('agent', id);
    if (!agent.revoked) {
      agent.revoked = true;
      agent.revokedAt = new Date();
      agent.revokedReason = revokedByReason(actor, agent.revokedAt);
      await this.agents.revokeMany([id], agent.revokedAt, agent.revokedReason);
      await this.audit.record({
        actor,
        action: 'agent.revoked',
        hostId: agent.hostId,
        details: { agentId: id },
      });
    }
    this.cutOff(id, agent.revokedReason ?? 'revoked');
    return toAgentDto(agent, false);
  }

  /** Ends the open stream of an agent that lost its credential, telling it why. */
  cutOff(agentId: string, reason: string): void {
    this.registry.disconnect(agentId, 'revoked', reason);
  }

  async listForHost(hostId: string): Promise<AgentDto[]> {
    const rows = await this.agents.ofHost(hostId);
    return rows.map((a) => toAgentDto(a, this.registry.isConnected(a.id)));
  }

  /** The agent that receives the host's commands: its newest one not revoked. */
  /**
   * The newest unrevoked agent of each host: the agent's id, null for a host without one; a host
   * that does not exist is missing from the map.
   */
  activeAgentsOf(hostIds: readonly string[]): Promise<Map<string, string | null>> {
    return this.agents.activeAgentsOf(hostIds);
  }

  async activeAgentOf(hostId: string): Promise<string | null> {
    return (await this.agents.activeAgentsOutsideUnitOf([hostId])).get(hostId) ?? null;
  }

  /** The agent's hello: its version, its host's facts (null: none sent) and last-seen times. */
  async recordHello(
    principal: AgentPrincipal,
    version: string,
    facts: HostFactsInput | null,
  ): Promise<void> {
    await this.hellos.submit({ principal, version, facts });
    this.lastSeenWrites.set(principal.agentId, Date.now());
  }

  /**
   * Throttled last-seen write. It doubles as a revocation check: an agent revoked through
   * another controller process (whose registry does not hold its stream) is found here.
   * Returns false when the agent is revoked.
   */
  async touchLastSeen(principal: AgentPrincipal): Promise<boolean> {
    const now = Date.now();
    const last = this.lastSeenWrites.get(principal.agentId);
    if (last !== undefined && now - last < this.lastSeenWriteIntervalMs) return true;
    if (this.lastSeenWrites.size >= MAX_TRACKED_LAST_SEEN) this.lastSeenWrites.clear();
    this.lastSeenWrites.set(principal.agentId, now);
    return this.sightings.submit(principal);
  }

  /**
   * Connects, reconnects and heartbeats of many agents (a reconnect storm is 10,000 at once):
   * one UPDATE of their agents and one of their hosts per batch; revoked agents are not touched
   * and get false.
   */
  private async recordSightings(principals: AgentPrincipal[]): Promise<Array<Settled<boolean>>> {
    const seenAt = new Date().toISOString();
    const active = await this.tx.run(async () => {
      const touched = await this.agents.touchLastSeen(
        principals.map((p) => p.agentId),
        seenAt,
      );
      await this.hosts.touchLastSeen(
        touched.map((a) => a.hostId),
        seenAt,
      );
      return new Set(touched.map((a) => a.id));
    });
    return principals.map((p) => ({ ok: true, value: active.has(p.agentId) }));
  }

  /** Hellos of many agents: one UPDATE of their agents and one or two of their hosts per batch. */
  private async recordHellos(hellos: Hello[]): Promise<Array<Settled<void>>> {
    const seenAt = new Date().toISOString();
    const versions = new Map(hellos.map((h) => [h.principal.agentId, h.version]));
    await this.tx.run(async () => {
      await this.agents.recordVersions([...versions], seenAt);
      await this.hosts.recordFacts(
        hellos.map((h) => ({ hostId: h.principal.hostId, facts: h.facts })),
        seenAt,
      );
    });
    return hellos.map(() => ({ ok: true, value: undefined }));
  }
}
