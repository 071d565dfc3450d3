import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
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
import { ApiPageOf, Page, PageQueryDto } from '../common/pagination.dto';
import {
  CallbackHostDto,
  CallbackHostQueryDto,
  CreateHuntDto,
  HostHuntHitQueryDto,
  HuntHitDto,
  HuntHitQueryDto,
  HuntRunDto,
} from './hunt.dto';
import { HuntService } from './hunt.service';

@ApiTags('hunt')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: 'No or an unknown API token' })
@ApiForbiddenResponse({ description: 'The token lacks the role' })
@Controller()
export class HuntController {
  constructor(private readonly hunt: HuntService) {}

  @Post('hosts/:id/hunts')
  @ApiOperation({
    summary:
      'Hunt a host for signs of exploitation (logs, traces, indicators, changed configuration)',
  })
  @ApiCreatedResponse({ type: CommandDto })
  @Roles('operator')
  start(
    @Param('id', new ParseUUIDPipe()) hostId: string,
    @Body() dto: CreateHuntDto,
    @Actor() actor: string,
  ): Promise<CommandDto> {
    return this.hunt.start(hostId, dto, actor);
  }

  @Get('hosts/:id/hunt-hits')
  @ApiOperation({ summary: "A host's hunt hits, newest first" })
  @ApiPageOf(HuntHitDto)
  hostHits(
    @Param('id', new ParseUUIDPipe()) hostId: string,
    @Query() query: HostHuntHitQueryDto,
  ): Promise<Page<HuntHitDto>> {
    return this.hunt.hostHits(hostId, query);
  }

  @Get('hosts/:id/hunt-runs')
  @ApiOperation({
    summary:
      "A host's hunts, newest first: summary (files, lines, hits) and what could not be read",
  })
  @ApiPageOf(HuntRunDto)
  hostRuns(
    @Param('id', new ParseUUIDPipe()) hostId: string,
    @Query() query: PageQueryDto,
  ): Promise<Page<HuntRunDto>> {
    return this.hunt.hostRuns(hostId, query);
  }

  @Get('hunt-hits')
  @ApiOperation({
    summary:
      'Hunt hits across the fleet, filtered (kind, confidence, callback host, host, CVE, time)',
  })
  @ApiPageOf(HuntHitDto)
  search(@Query() query: HuntHitQueryDto): Promise<Page<HuntHitDto>> {
    return this.hunt.search(query);
  }

  @Get('hunt-hits/callback-hosts')
  @ApiOperation({
    summary: "Hits grouped by callback host: one attacker's infrastructure across many hosts",
  })
  @ApiPageOf(CallbackHostDto)
  callbackHosts(@Query() query: CallbackHostQueryDto): Promise<Page<CallbackHostDto>> {
    return this.hunt.callbackHosts(query);
  }
}
