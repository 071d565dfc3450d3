import { Controller, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { Actor, Roles } from '../auth/roles.decorator';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CommandDto } from './commands.dto';
import { CommandsService } from './commands.service';

@ApiTags('commands')
@ApiBearerAuth()
@Controller()
export class CommandsController {
  constructor(private readonly commands: CommandsService) {}

  @Get('hosts/:id/commands')
  @ApiOkResponse({ type: [CommandDto] })
  listForHost(@Param('id', new ParseUUIDPipe()) hostId: string): Promise<CommandDto[]> {
    return this.commands.listForHost(hostId);
  }

  @Post('commands/:id/cancel')
  @HttpCode(200)
  @ApiOkResponse({ type: CommandDto })
  @Roles('operator')
  cancel(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Actor() actor: string,
  ): Promise<CommandDto> {
    return this.commands.cancelByOperator(id, actor);
  }

  @Get('commands/:id')
  @ApiOkResponse({ type: CommandDto })
  get(@Param('id', new ParseUUIDPipe()) id: string): Promise<CommandDto> {
    return this.commands.get(id);
  }
}
