import {
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Patch,
  Post,
  Query,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Actor, Roles } from '../auth/roles.decorator';
import { ApiOperationDoc } from '../common/api-docs';
import { ApiPageOf, Page } from '../common/pagination.dto';
import { HostDetailDto } from './host-detail.dto';
import { HostDetailService } from './host-detail.service';
import { HostTimelineService, TimelineEntryDto } from './host-timeline.service';
import { ClearFlagDto, HostDto, HostQueryDto, UpdateHostDto } from './hosts.dto';
import { HostsService } from './hosts.service';

@ApiTags('hosts')
@ApiBearerAuth()
@Controller('hosts')
export class HostsController {
  constructor(
    private readonly hosts: HostsService,
    private readonly detail: HostDetailService,
    private readonly timelines: HostTimelineService,
  ) {}

  @Get()
  @ApiOperationDoc(
    'List hosts, filtered by state, flag, tag, last seen or what their current findings hold',
    {
      badRequest: 'A filter is malformed (the message names it)',
    },
  )
  @ApiPageOf(HostDto)
  list(@Query() query: HostQueryDto): Promise<Page<HostDto>> {
    return this.hosts.list(query);
  }

  @Get(':id')
  @ApiOperationDoc('A host with its agents, current findings, latest scan and state history', {
    badRequest: 'The id is not a UUID',
    notFound: 'No such host',
  })
  @ApiOkResponse({ type: HostDetailDto })
  get(@Param('id', new ParseUUIDPipe()) id: string): Promise<HostDetailDto> {
    return this.detail.get(id);
  }

  @Get(':id/timeline')
  @ApiOperation({ summary: "The host's whole story in order: events and its commands' states" })
  @ApiOkResponse({ type: [TimelineEntryDto] })
  timeline(@Param('id', new ParseUUIDPipe()) id: string): Promise<TimelineEntryDto[]> {
    return this.timelines.timeline(id);
  }

  @Patch(':id')
  @ApiOperationDoc("Replace a host's tags", {
    role: 'operator',
    badRequest: 'A tag is malformed',
    notFound: 'No such host',
  })
  @ApiOkResponse({ type: HostDto })
  @Roles('operator')
  update(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() dto: UpdateHostDto,
    @Actor() actor: string,
  ): Promise<HostDto> {
    return this.hosts.setTags(id, dto.tags, actor);
  }

  @Post(':id/flag/clear')
  @HttpCode(200)
  @ApiOperationDoc("Clear a host's flag with a note (audited as host.flag_cleared)", {
    role: 'admin',
    badRequest: 'The note is missing or too long',
    notFound: 'No such host',
  })
  @ApiOkResponse({ type: HostDto })
  @ApiConflictResponse({ description: 'The host is not flagged' })
  @Roles('admin')
  clearFlag(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() dto: ClearFlagDto,
    @Actor() actor: string,
  ): Promise<HostDto> {
    return this.hosts.clearFlag(id, dto.note, actor);
  }
}
