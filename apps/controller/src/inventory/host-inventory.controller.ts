import { Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { Actor, Roles } from '../auth/roles.decorator';
import { Page, PageQueryDto } from '../common/pagination.dto';
import {
  HostProcessesDto,
  InventoryDiffDto,
  InventoryDiffQueryDto,
  InventorySnapshotDto,
  InventorySnapshotSummaryDto,
} from './inventory.dto';
import { InventoryRefreshDto } from './inventory-refresh.dto';
import { InventoryRefreshService } from './inventory-refresh.service';
import { InventoryService } from './inventory.service';

/**
 * A host's inventory. The full snapshot and the process list need the operator role: JVM command
 * lines routinely carry secrets (-Dspring.datasource.password=...).
 */
@ApiTags('inventory')
@ApiBearerAuth()
@Controller('hosts')
export class HostInventoryController {
  constructor(
    private readonly inventory: InventoryService,
    private readonly refreshes: InventoryRefreshService,
  ) {}

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

  @Post(':id/inventory/refresh')
  @HttpCode(202)
  @Roles('operator')
  @ApiOperation({
    summary: 'Ask the host for a fresh inventory snapshot now',
    description:
      "Sends the request to the host's active agent, on whichever controller process holds its stream, and answers whether it reached it (audited: inventory.refresh_requested). The agent then reports a snapshot; GET /hosts/{id}/inventory and /hosts/{id}/processes show it once its id differs from previousSnapshotId. Agents also report after every scan that inspected running processes.",
  })
  @ApiAcceptedResponse({ type: InventoryRefreshDto })
  @ApiUnauthorizedResponse({ description: 'No valid API token' })
  @ApiForbiddenResponse({ description: 'The token is a viewer token (operator or admin needed)' })
  @ApiNotFoundResponse({ description: 'No such host' })
  @ApiConflictResponse({ description: 'The host has no active agent' })
  @ApiTooManyRequestsResponse({
    description:
      'The agent has sent its INVENTORY_REPORTS_PER_HOUR snapshots in the last hour; the message names when to retry',
  })
  refresh(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Actor() actor: string,
  ): Promise<InventoryRefreshDto> {
    return this.refreshes.refresh(id, actor);
  }

  @Get(':id/processes')
  @Roles('operator')
  processes(@Param('id', new ParseUUIDPipe()) id: string): Promise<HostProcessesDto> {
    return this.inventory.processes(id);
  }
}
