import { Controller, Get, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/roles.decorator';
import { Page, PageQueryDto } from '../common/pagination.dto';
import {
  HostProcessesDto,
  InventoryDiffDto,
  InventoryDiffQueryDto,
  InventorySnapshotDto,
  InventorySnapshotSummaryDto,
} from './inventory.dto';
import { InventoryService } from './inventory.service';

/**
 * A host's inventory. The full snapshot and the process list need the operator role: JVM command
 * lines routinely carry secrets (-Dspring.datasource.password=...).
 */
@ApiTags('inventory')
@ApiBearerAuth()
@Controller('hosts')
export class HostInventoryController {
  constructor(private readonly inventory: InventoryService) {}

  @Get(':id/inventory')
  @Roles('operator')
  latest(@Param('id', new ParseUUIDPipe()) id: string): Promise<InventorySnapshotDto> {
    return this.inventory.latest(id);
  }

  @Get(':id/inventory/history')
  history(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Query() query: PageQueryDto,
  ): Promise<Page<InventorySnapshotSummaryDto>> {
    return this.inventory.history(id, query);
  }

  @Get(':id/inventory/diff')
  diff(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Query() query: InventoryDiffQueryDto,
  ): Promise<InventoryDiffDto> {
    return this.inventory.diff(id, query.from, query.to);
  }

  @Get(':id/processes')
  @Roles('operator')
  processes(@Param('id', new ParseUUIDPipe()) id: string): Promise<HostProcessesDto> {
    return this.inventory.processes(id);
  }
}
