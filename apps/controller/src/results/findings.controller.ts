import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import { ApiOperationDoc } from '../common/api-docs';
import { ApiPageOf, Page } from '../common/pagination.dto';
import { ExportQueryDto, FindingDto, FindingQueryDto } from './findings.dto';
import { FindingsService } from './findings.service';

/** The part of the HTTP response the export streams into. */
interface StreamingResponse {
  setHeader(name: string, value: string): unknown;
  write(chunk: string): boolean;
  end(): unknown;
  on(event: 'drain' | 'close', listener: () => void): unknown;
  off(event: 'drain' | 'close', listener: () => void): unknown;
  readonly destroyed: boolean;
}

@ApiTags('findings')
@ApiBearerAuth()
@Controller('findings')
export class FindingsController {
  constructor(private readonly findings: FindingsService) {}

  @Get()
  @ApiOperationDoc(
    "Search the hosts' current findings, or with scanRunId the findings of one scan run",
    { badRequest: 'A filter is malformed (the message names it)' },
  )
  @ApiPageOf(FindingDto)
  search(@Query() query: FindingQueryDto): Promise<Page<FindingDto>> {
    return this.findings.search(query);
  }

  @Get('export')
  @ApiOperationDoc(
    "Export the hosts' current findings, or with scanRunId one scan run's, as CSV or JSON",
    { badRequest: 'format is missing, or a filter is malformed' },
  )
  @ApiProduces('text/csv', 'application/json')
  @ApiOkResponse({
    description: 'Findings ordered by id (JSON: {total, truncated, items})',
    headers: {
      'X-Log4fleet-Total': { description: 'Findings matching the filter' },
      'X-Log4fleet-Truncated': { description: '"true" when more match than the limit exported' },
    },
  })
  async export(@Query() query: ExportQueryDto, @Res() res: StreamingResponse): Promise<void> {
    const { format, limit, ...filter } = query;
    const exported = await this.findings.export(filter, format, limit);
    res.setHeader('X-Log4fleet-Total', String(exported.total));
    res.setHeader('X-Log4fleet-Truncated', String(exported.truncated));
    res.setHeader(
      'Content-Type',
      format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8',
    );
    res.setHeader('Content-Disposition', `attachment; filename="log4fleet-findings.${format}"`);
    await streamTo(res, exported.body);
  }
}

/** Writes the pieces as the client reads them; stops reading them when the client goes away. */
async function streamTo(res: StreamingResponse, pieces: AsyncGenerator<string>): Promise<void> {
  for await (const piece of pieces) {
    if (res.destroyed) return;
    if (!res.write(piece))
      await new Promise<void>((resolve) => {
        const done = (): void => {
          res.off('drain', done);
          res.off('close', done);
          resolve();
        };
        res.on('drain', done);
        res.on('close', done);
      });
  }
  res.end();
}
