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
import { ContainmentService } from './containment.service';
import { CreateQuarantineDto, CreateReleaseDto } from './quarantine.dto';
import { quarantineParams } from './quarantine.kind';

@ApiTags('containment')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: 'no or an invalid token' })
@ApiForbiddenResponse({ description: 'the operator role is required' })
@Controller()
export class QuarantineController {
  constructor(private readonly containment: ContainmentService) {}

  @Post('hosts/:id/quarantine')
  @ApiOperation({
    summary:
      "Contain a host with nftables: applied, proven (the controller still answers, the probe does not) or rolled back by its agent; the host's containment follows",
  })
  @ApiCreatedResponse({ type: CommandDto })
  @Roles('operator')
  quarantine(
    @Param('id', new ParseUUIDPipe()) hostId: string,
    @Body() dto: CreateQuarantineDto,
    @Actor() actor: string,
  ): Promise<CommandDto> {
    const { reason, ticket, expiresInSeconds } = dto;
    return this.containment.request({
      hostId,
      request: { kind: 'quarantine', params: quarantineParams(dto) },
      actor,
      reason,
      ticket,
      expiresInSeconds,
    });
  }

  @Post('hosts/:id/release')
  @ApiOperation({ summary: "Remove the agent's quarantine table (exactly it)" })
  @ApiCreatedResponse({ type: CommandDto })
  @Roles('operator')
  release(
    @Param('id', new ParseUUIDPipe()) hostId: string,
    @Body() dto: CreateReleaseDto,
    @Actor() actor: string,
  ): Promise<CommandDto> {
    const { reason, ticket, expiresInSeconds } = dto;
    return this.containment.request({
      hostId,
      request: { kind: 'release', params: {} },
      actor,
      reason,
      ticket,
      expiresInSeconds,
    });
  }
}
