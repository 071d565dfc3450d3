import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiProduces, ApiTags } from '@nestjs/swagger';
import { ApiPageOf, Page } from '../common/pagination.dto';
import { ExportQueryDto, FindingDto, FindingQueryDto } from './findings.dto';
import { FindingsService } from './findings.service';

/** The part of the HTTP response the export streams into. */
interface StreamingResponse {
  setHeader(name: string, value: string): unknown;
  write(chunk: string): boolean;
  end(): unknown;
}

@ApiTags('findings')
@ApiBearerAuth()
@Controller('findings')
export class FindingsController {
  constructor(private readonly findings: FindingsService) {}

  @Get()
  @ApiPageOf(FindingDto)
  search(@Query() query: FindingQueryDto): Promise<Page<FindingDto>> {
    return this.findings.search(query);
  }

  @Get('export')
  @ApiProduces('text/csv', 'application/json')
  async export(@Query() query: ExportQueryDto, @Res() res: StreamingResponse): Promise<void> {
    const { format, ...filter } = query;
    res.setHeader(
      'Content-Type',
      format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8',
    );
    res.setHeader('Content-Disposition', `attachment; filename="log4fleet-findings.${format}"`);
    for await (const piece of this.findings.export(filter, format)) res.write(piece);
    res.end();
  }
}
