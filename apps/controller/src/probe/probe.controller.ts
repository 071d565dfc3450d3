import { Body, Controller, Get, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { Actor, Roles } from '../auth/roles.decorator';
import { CommandDto } from '../commands/commands.dto';
import { CreateProbeDto, HostProbesDto } from './probe.dto';
import { ProbeService } from './probe.service';

@ApiTags('commands')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: 'No or bad token' })
@ApiForbiddenResponse({ description: 'The role does not allow it' })
@Controller()
export class ProbeController {
  constructor(private readonly service: ProbeService) {}

  @Post('hosts/:id/probe')
  @ApiOperation({
    summary:
      "Canary probe of the host's running JVM HTTP services: the agent sends marked lookup strings to its own listeners and reports which fields make a service perform a JNDI lookup (callbacks stay on the host)",
  })
  @ApiCreatedResponse({ type: CommandDto })
  @ApiBadRequestResponse({
    description: 'Bad parameters, or a target that is not an address of the host',
  })
  @Roles('operator')
  probe(
    @Param('id', new ParseUUIDPipe()) hostId: string,
    @Body() dto: CreateProbeDto,
    @Actor() actor: string,
  ): Promise<CommandDto> {
    return this.service.request(hostId, dto, actor);
  }

  @Get('hosts/:id/probes')
  @ApiOperation({
    summary: "The host's probe record (exploitable, with evidence) and its newest probes",
  })
  @ApiOkResponse({ type: HostProbesDto })
  probes(@Param('id', new ParseUUIDPipe()) hostId: string): Promise<HostProbesDto> {
    return this.service.list(hostId);
  }
}
