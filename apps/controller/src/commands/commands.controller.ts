import { Controller, Get, Param, ParseUUIDPipe } from '@nestjs/common';
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

  @Get('commands/:id')
  @ApiOkResponse({ type: CommandDto })
  get(@Param('id', new ParseUUIDPipe()) id: string): Promise<CommandDto> {
    return this.commands.get(id);
  }
}
