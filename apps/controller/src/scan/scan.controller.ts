import { Body, Controller, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiTags } from '@nestjs/swagger';
import { Actor, Roles } from '../auth/roles.decorator';
import { ApiOperationDoc } from '../common/api-docs';
import { CommandDto } from '../commands/commands.dto';
import { CommandsService } from '../commands/commands.service';
import { CreateScanDto } from './scan.dto';
import { scanParams } from './scan.kind';

@ApiTags('commands')
@ApiBearerAuth()
@Controller()
export class ScanController {
  constructor(private readonly commands: CommandsService) {}

  @Post('hosts/:id/scans')
  @ApiOperationDoc('Ask the host to scan paths (absolute) and/or its running JVMs', {
    role: 'operator',
    badRequest: 'A parameter is out of bounds, or a path is relative (the message names it)',
    notFound: 'No such host',
  })
  @ApiCreatedResponse({ type: CommandDto })
  @Roles('operator')
  scan(
    @Param('id', new ParseUUIDPipe()) hostId: string,
    @Body() dto: CreateScanDto,
    @Actor() actor: string,
  ): Promise<CommandDto> {
    return this.commands.create(hostId, { kind: 'scan', params: scanParams(dto) }, actor, {
      expiresInSeconds: dto.expiresInSeconds,
    });
  }
}
