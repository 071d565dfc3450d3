import { loggerFor } from '../common/logger';
import { Inject, Injectable } from '@nestjs/common';
import type { EnrollResponse } from '@log4fleet/contracts';
import { AgentsService } from '../agents/agents.service';
import { AuditService } from '../audit/audit.service';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { parseJsonArray } from '../common/json-column';
import { isUniqueViolation, TransactionService } from '../database/transaction.service';
import { HostFactsInput } from '../hosts/hosts.dto';
import { HostsService } from '../hosts/hosts.service';
import { EnrollmentTokensService } from './enrollment-tokens.service';

export interface EnrollInput {
  token: string;
  host: HostFactsInput;
  agentVersion: string;
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
    private readonly audit: AuditService,
  ) {}

  /** Token -> host (found by machine id or created) -> a new agent credential, all or nothing. */
  async enroll(input: EnrollInput): Promise<EnrollResponse> {
    // Refusals are found before the transaction (see TransactionService on SQLite); consume() re-checks under race.
    await this.tokens.verify(input.token);
    const outcome = await this.enrollOnce(input).catch((error: unknown) => {
      // Two first enrollments of one machine raced on the unique machine id; the loser re-uses the winner's host.
      if (isUniqueViolation(error)) return this.enrollOnce(input);
      throw error;
    });
    for (const old of outcome.agent.revokedAgentIds) this.agents.cutOff(old);
    this.logger.info(
      { hostId: outcome.host.id, agentId: outcome.agent.agentId, hostname: outcome.host.hostname },
      'agent enrolled',
    );
    return {
      agentId: outcome.agent.agentId,
      hostId: outcome.host.id,
      credential: outcome.agent.secret,
      tags: parseJsonArray(outcome.host.tags),
      heartbeatIntervalS: this.config.heartbeatIntervalS,
      commandSigningKey: Buffer.alloc(0),
    };
  }

  private enrollOnce(input: EnrollInput) {
    return this.tx.run(async (manager) => {
      const token = await this.tokens.consume(input.token, manager);
      const { host, created } = await this.hosts.upsertForEnrollment(
        input.host,
        parseJsonArray(token.tags),
        manager,
      );
      const agent = await this.agents.createForHost(host.id, input.agentVersion, manager);
      await this.audit.record(
        {
          actor: agent.agentId,
          action: 'agent.enrolled',
          hostId: host.id,
          details: {
            tokenId: token.id,
            tokenName: token.name,
            hostCreated: created,
            hostname: host.hostname,
            revokedAgents: agent.revokedAgentIds,
          },
        },
        manager,
      );
      return { host, agent };
    });
  }
}
