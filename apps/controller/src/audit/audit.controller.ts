import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/roles.decorator';
import { ApiPageOf, Page } from '../common/pagination.dto';
import { AuditEventDto, AuditQueryDto } from './audit.dto';
import { AuditService } from './audit.service';

@ApiTags('audit')
@ApiBearerAuth()
@Controller('audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @ApiPageOf(AuditEventDto)
  @Roles('viewer')
  list(@Query() query: AuditQueryDto): Promise<Page<AuditEventDto>> {
    return this.audit.query(query);
  }
}
