import {
  Body,
  Controller,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
} from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Actor, Roles } from '../auth/roles.decorator';
import { Page } from '../common/pagination.dto';
import {
  CampaignDetailDto,
  CampaignDto,
  CampaignQueryDto,
  CreateCampaignDto,
} from './campaigns.dto';
import { CampaignsService } from './campaigns.service';

@ApiTags('campaigns')
@ApiBearerAuth()
@Controller('campaigns')
export class CampaignsController {
  constructor(private readonly campaigns: CampaignsService) {}

  @Post()
  @Roles('operator')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiAcceptedResponse({
    type: CampaignDto,
    description: 'Stored and fanned out in the background; follow it with GET /campaigns/:id',
  })
  create(@Body() dto: CreateCampaignDto, @Actor() actor: string): Promise<CampaignDto> {
    return this.campaigns.create(dto, actor);
  }

  @Get()
  list(@Query() query: CampaignQueryDto): Promise<Page<CampaignDto>> {
    return this.campaigns.list(query);
  }

  @Get(':id')
  get(@Param('id', new ParseUUIDPipe()) id: string): Promise<CampaignDetailDto> {
    return this.campaigns.get(id);
  }

  @Post(':id/cancel')
  @Roles('operator')
  @HttpCode(HttpStatus.OK)
  cancel(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Actor() actor: string,
  ): Promise<CampaignDetailDto> {
    return this.campaigns.cancel(id, actor);
  }

  @Post(':id/resume')
  @Roles('operator')
  @HttpCode(HttpStatus.OK)
  resume(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Actor() actor: string,
  ): Promise<CampaignDetailDto> {
    return this.campaigns.resume(id, actor);
  }
}
