import { Body, Controller, Get, Param, ParseUUIDPipe, Patch, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Actor, Roles } from '../auth/roles.decorator';
import { ApiPageOf, Page } from '../common/pagination.dto';
import { HostDetailDto } from './host-detail.dto';
import { HostDetailService } from './host-detail.service';
import { HostTimelineService, TimelineEntryDto } from './host-timeline.service';
import { HostDto, HostQueryDto, UpdateHostDto } from './hosts.dto';
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
  @ApiPageOf(HostDto)
  list(@Query() query: HostQueryDto): Promise<Page<HostDto>> {
    return this.hosts.list(query);
  }

  @Get(':id')
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
  @ApiOkResponse({ type: HostDto })
  @Roles('operator')
  update(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() dto: UpdateHostDto,
    @Actor() actor: string,
  ): Promise<HostDto> {
    return this.hosts.setTags(id, dto.tags, actor);
  }
}
