import { Injectable } from '@nestjs/common';
import { FIX_LIMITS } from '@log4fleet/contracts';
import { CommandDto } from '../commands/commands.dto';
import { CommandsService } from '../commands/commands.service';
import { DomainException } from '../common/domain.exception';
import { FindingsService } from '../results/findings.service';
import type { CreateFixDto } from './remediation.dto';
import { fixParams } from './remediation.kind';

/** A fix asked for by paths and/or findings: the files named, then one signed command. */
@Injectable()
export class RemediationService {
  constructor(
    private readonly commands: CommandsService,
    private readonly findings: FindingsService,
  ) {}

  async fix(hostId: string, dto: CreateFixDto, actor: string): Promise<CommandDto> {
    const fromFindings = dto.findingIds?.length
      ? await this.findings.filesOf(hostId, dto.findingIds)
      : [];
    const paths = [...new Set([...(dto.paths ?? []), ...fromFindings])];
    if (paths.length === 0) throw DomainException.invalid('give paths or findingIds to fix');
    if (paths.length > FIX_LIMITS.paths)
      throw DomainException.invalid(
        `${paths.length} files to fix, more than the ${FIX_LIMITS.paths} one command takes`,
      );
    return this.commands.create(
      hostId,
      { kind: 'fix', params: fixParams({ ...dto, paths }) },
      actor,
      {
        expiresInSeconds: dto.expiresInSeconds,
      },
    );
  }
}
