import { Body, Controller, Delete, Get, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ApiTokenDto, CreateApiTokenDto, CreatedApiTokenDto } from './api-tokens.dto';
import { ApiTokensService } from './api-tokens.service';
import { Actor, Roles } from './roles.decorator';
import { ShortIdPipe } from '../common/short-id.pipe';

@ApiTags('api-tokens')
@ApiBearerAuth()
@Controller('api-tokens')
@Roles('admin')
export class ApiTokensController {
  constructor(private readonly tokens: ApiTokensService) {}

  @Post()
  @ApiCreatedResponse({ type: CreatedApiTokenDto })
  create(@Body() dto: CreateApiTokenDto, @Actor() actor: string): Promise<CreatedApiTokenDto> {
    return this.tokens.create(dto, actor);
  }

  @Get()
  @ApiOkResponse({ type: [ApiTokenDto] })
  list(): Promise<ApiTokenDto[]> {
    return this.tokens.list();
  }

  @Delete(':id')
  @ApiOkResponse({ type: ApiTokenDto })
  revoke(@Param('id', ShortIdPipe) id: string, @Actor() actor: string): Promise<ApiTokenDto> {
    return this.tokens.revoke(id, actor);
  }
}
