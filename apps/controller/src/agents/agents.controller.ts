import { Controller, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Actor, Roles } from '../auth/roles.decorator';
import { AgentDto } from './agents.dto';
import { AgentsService } from './agents.service';

@ApiTags('agents')
@ApiBearerAuth()
@Controller('agents')
export class AgentsController {
  constructor(private readonly agents: AgentsService) {}

  /** Revokes the agent's credential and ends its open stream at once. */
  @Post(':id/revoke')
  @ApiOkResponse({ type: AgentDto })
  @HttpCode(200)
  @Roles('admin')
  revoke(@Param('id', new ParseUUIDPipe()) id: string, @Actor() actor: string): Promise<AgentDto> {
    return this.agents.revoke(id, actor);
  }
}
