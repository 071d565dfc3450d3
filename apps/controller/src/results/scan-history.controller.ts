import { Controller, Get, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ApiOperationDoc } from '../common/api-docs';
import { ApiPageOf, Page, PageQueryDto } from '../common/pagination.dto';
import { ScanRunDto } from './findings.dto';
import { CompareScansQueryDto, ScanComparisonDto } from './scan-history.dto';
import { ScanHistoryService } from './scan-history.service';

@ApiTags('hosts')
@ApiBearerAuth()
@Controller('hosts')
export class ScanHistoryController {
  constructor(private readonly history: ScanHistoryService) {}

  @Get(':id/scans')
  @ApiOperationDoc(
    "A host's scan runs, newest first, with scope, completeness and summary (their findings: GET /findings?scanRunId=)",
    { badRequest: 'The id or the page is malformed', notFound: 'No such host' },
  )
  @ApiPageOf(ScanRunDto)
  list(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Query() query: PageQueryDto,
  ): Promise<Page<ScanRunDto>> {
    return this.history.list(id, query);
  }

  @Get(':id/scans/compare')
  @ApiOperationDoc('What changed between two scans of a host: new, gone and changed findings', {
    badRequest: 'from or to is not a UUID',
    notFound: 'No such host, or a scan run that is not this host’s',
  })
  @ApiOkResponse({ type: ScanComparisonDto })
  compare(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Query() query: CompareScansQueryDto,
  ): Promise<ScanComparisonDto> {
    return this.history.compare(id, query.from, query.to);
  }
}
