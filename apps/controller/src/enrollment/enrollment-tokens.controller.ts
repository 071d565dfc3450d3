import { Body, Controller, Delete, Get, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Actor, Roles } from '../auth/roles.decorator';
import { ShortIdPipe } from '../common/short-id.pipe';
import {
  CreateEnrollmentTokenDto,
  CreatedEnrollmentTokenDto,
  EnrollmentTokenDto,
} from './enrollment.dto';
import { EnrollmentTokensService } from './enrollment-tokens.service';

@ApiTags('enrollment-tokens')
@ApiBearerAuth()
@Controller('enrollment-tokens')
@Roles('admin')
export class EnrollmentTokensController {
  constructor(private readonly tokens: EnrollmentTokensService) {}

  @Post()
  @ApiCreatedResponse({ type: CreatedEnrollmentTokenDto })
  create(
    @Body() dto: CreateEnrollmentTokenDto,
    @Actor() actor: string,
  ): Promise<CreatedEnrollmentTokenDto> {
    return this.tokens.create(dto, actor);
  }

  @Get()
  @ApiOkResponse({ type: [EnrollmentTokenDto] })
  list(): Promise<EnrollmentTokenDto[]> {
    return this.tokens.list();
  }

  @Get(':id')
  @ApiOkResponse({ type: EnrollmentTokenDto })
  get(@Param('id', ShortIdPipe) id: string): Promise<EnrollmentTokenDto> {
    return this.tokens.get(id);
  }

  /** Revokes; the row stays for the audit trail. */
  @Delete(':id')
  @ApiOkResponse({ type: EnrollmentTokenDto })
  revoke(
    @Param('id', ShortIdPipe) id: string,
    @Actor() actor: string,
  ): Promise<EnrollmentTokenDto> {
    return this.tokens.revoke(id, actor);
  }
}
