import { loggerFor } from '../common/logger';
import { Inject, Injectable } from '@nestjs/common';
import type { EnrollResponse } from '@log4fleet/contracts';
import { AgentsService } from '../agents/agents.service';
import { AuditService } from '../audit/audit.service';
import { CommandsService } from '../commands/commands.service';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { parseJsonArray } from '../common/json-column';
import { isUniqueViolation, TransactionService } from '../database/transaction.service';
import { HostFactsInput } from '../hosts/hosts.dto';
import { HostsService } from '../hosts/hosts.service';
import { EnrollmentTokenEntity } from './enrollment-token.entity';
import { parseEnrollmentToken } from './enrollment-token.format';
import { EnrollmentTokensService } from './enrollment-tokens.service';
import { EnrollmentRefusedException, replacementRefusal } from './replacement-policy';
import { CommandSigner } from '../signing/command-signer.service';

export interface EnrollInput {
  token: string;
  host: HostFactsInput;
  agentVersion: string;
  /** "<agent_id>.<secret>" of the machine's current agent; empty when none was sent. */
  currentCredential: string;
}

@Injectable()
export class EnrollService {
  private readonly logger = loggerFor(EnrollService.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly tx: TransactionService,
    private readonly tokens: EnrollmentTokensService,
    private readonly hosts: HostsService,
    private readonly agents: AgentsService,
    private readonly commands: CommandsService,
    private readonly audit: AuditService,
    private readonly signer: CommandSigner,
  ) {}

  /**
   * Token -> host (found by machine id or created) -> a new agent credential, all or nothing.
   * Replacing a host's active agent needs proof (replacement-policy.ts); a refused enrollment
   * spends nothing, keeps the host and its agent as they were, and is audited.
   */
  async enroll(input: EnrollInput): Promise<EnrollResponse> {
    try {
      return await this.enrollChecked(input);
    } catch (error) {
      if (error instanceof EnrollmentRefusedException) await this.auditRefusal(input, error);
      throw error;
    }
  }

  private async enrollChecked(input: EnrollInput): Promise<EnrollResponse> {
    // Refusals are found before the transaction (see TransactionService on SQLite); consume()
    // and checkReplacement() check again inside it, under race.
    const token = await this.tokens.verify(input.token);
    await this.checkReplacement(input, token);
    const outcome = await this.enrollOnce(input).catch((error: unknown) => {
      // Two first enrollments of one machine raced on the unique machine id; the loser finds
      // the winner's host, and its agent, on the second try.
      if (isUniqueViolation(error)) return this.enrollOnce(input);
      throw error;
    });
    for (const old of outcome.agent.revokedAgentIds)
      this.agents.cutOff(old, outcome.agent.revokedReason);
    this.logger.info(
      {
        hostId: outcome.host.id,
        agentId: outcome.agent.agentId,
        hostname: outcome.host.hostname,
        replacedAgents: outcome.agent.revokedAgentIds,
        reassignedCommands: outcome.reassigned,
      },
      'agent enrolled',
    );
    return {
      agentId: outcome.agent.agentId,
      hostId: outcome.host.id,
      credential: outcome.agent.secret,
      tags: parseJsonArray(outcome.host.tags),
      heartbeatIntervalS: this.config.heartbeatIntervalS,
      commandSigningKey: this.signer.publicKey,
    };
  }

  private enrollOnce(input: EnrollInput) {
    return this.tx.run(async () => {
      const token = await this.tokens.consume(input.token);
      const proof = await this.checkReplacement(input, token);
      const { host, created } = await this.hosts.upsertForEnrollment(
        input.host,
        parseJsonArray(token.tags),
      );
      const agent = await this.agents.createForHost(host.id, input.agentVersion);
      const reassigned = await this.commands.reassignPending(host.id, agent.agentId);
      await this.audit.record({
        actor: agent.agentId,
        action: 'agent.enrolled',
        hostId: host.id,
        details: {
          tokenId: token.id,
          tokenName: token.name,
          hostCreated: created,
          hostname: host.hostname,
          revokedAgents: agent.revokedAgentIds,
          ...(agent.revokedAgentIds.length > 0 ? { replacedWith: proof } : {}),
          reassignedCommands: reassigned,
        },
      });
      return { host, agent, reassigned };
    });
  }

  /**
   * Throws the refusal when this enrollment may not replace the machine's active agent; else
   * says what allowed a replacement. On PostgreSQL the host row stays locked until the commit.
   */
  private async checkReplacement(
    input: EnrollInput,
    token: EnrollmentTokenEntity,
  ): Promise<'credential' | 'replacement-token' | 'none'> {
    const host = await this.hosts.findForEnrollment(input.host.machineId);
    const standing = host
      ? await this.agents.enrollmentStanding(host.id, input.currentCredential)
      : { activeAgentIds: [], proven: false };
    const refusal = replacementRefusal({
      machineId: input.host.machineId,
      host,
      ...standing,
      credentialPresented: input.currentCredential !== '',
      token: { id: token.id, replaceHostId: token.replaceHostId },
    });
    if (refusal) throw refusal;
    if (standing.activeAgentIds.length === 0) return 'none';
    return standing.proven ? 'credential' : 'replacement-token';
  }

  private async auditRefusal(input: EnrollInput, refusal: EnrollmentRefusedException) {
    this.logger.warn(
      { hostId: refusal.hostId, machineId: input.host.machineId, reason: refusal.reason },
      'enrollment refused: it would replace a host agent without proof',
    );
    await this.audit.record({
      actor: 'enrollment',
      action: 'agent.enroll_refused',
      hostId: refusal.hostId ?? undefined,
      details: {
        reason: refusal.reason,
        message: refusal.message,
        tokenId: parseEnrollmentToken(input.token)?.id ?? null,
        hostname: input.host.hostname,
        credentialPresented: input.currentCredential !== '',
      },
    });
  }
}
