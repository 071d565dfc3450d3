import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Page } from '../common/pagination.dto';
import { InventoryHostDto, InventoryHostQueryDto } from './inventory.dto';
import { InventoryService } from './inventory.service';

@ApiTags('inventory')
@ApiBearerAuth()
@Controller('inventory')
export class InventoryController {
  constructor(private readonly inventory: InventoryService) {}

  /** Hosts whose latest inventory matches every filter given. */
  @Get('hosts')
  hosts(@Query() query: InventoryHostQueryDto): Promise<Page<InventoryHostDto>> {
    return this.inventory.queryHosts(query);
  }
}
