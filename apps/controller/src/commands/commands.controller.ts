import { Body, Controller, Get, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Actor, Roles } from '../auth/roles.decorator';
import { CommandDto, CreateScanDto } from './commands.dto';
import { CommandsService } from './commands.service';

@ApiTags('commands')
@ApiBearerAuth()
@Controller()
export class CommandsController {
  constructor(private readonly commands: CommandsService) {}

  @Post('hosts/:id/scans')
  @ApiCreatedResponse({ type: CommandDto })
  @Roles('operator')
  scan(
    @Param('id', new ParseUUIDPipe()) hostId: string,
    @Body() dto: CreateScanDto,
    @Actor() actor: string,
  ): Promise<CommandDto> {
    return this.commands.createScan(hostId, dto, actor);
  }

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
