import { Body, Controller, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { Actor, Roles } from '../auth/roles.decorator';
import { CommandDto } from '../commands/commands.dto';
import { CommandsService } from '../commands/commands.service';
import { CreateFixDto, CreateRestoreDto } from './remediation.dto';
import { restoreParams } from './remediation.kind';
import { RemediationService } from './remediation.service';

@ApiTags('commands')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: 'No or a bad token' })
@ApiForbiddenResponse({ description: 'Operator role required' })
@Controller()
export class RemediationController {
  constructor(
    private readonly commands: CommandsService,
    private readonly remediation: RemediationService,
  ) {}

  @Post('hosts/:id/remediate')
  @ApiOperation({
    summary:
      'Remove JndiLookup from the vulnerable log4j copies in these files (signed fix command; backup kept on the host; a success queues the verification rescan)',
  })
  @ApiCreatedResponse({ type: CommandDto })
  @Roles('operator')
  remediate(
    @Param('id', new ParseUUIDPipe()) hostId: string,
    @Body() dto: CreateFixDto,
    @Actor() actor: string,
  ): Promise<CommandDto> {
    return this.remediation.fix(hostId, dto, actor);
  }

  @Post('hosts/:id/restore')
  @ApiOperation({
    summary: 'Put back the originals of fixed files, byte for byte (signed restore command)',
  })
  @ApiCreatedResponse({ type: CommandDto })
  @Roles('operator')
  restore(
    @Param('id', new ParseUUIDPipe()) hostId: string,
    @Body() dto: CreateRestoreDto,
    @Actor() actor: string,
  ): Promise<CommandDto> {
    return this.commands.create(hostId, { kind: 'restore', params: restoreParams(dto) }, actor, {
      expiresInSeconds: dto.expiresInSeconds,
    });
  }
}
