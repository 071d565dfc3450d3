import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  ParseUUIDPipe,
  Post,
} from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Actor, Roles } from '../auth/roles.decorator';
import { CreateScheduleDto, ScheduleDto } from './schedules.dto';
import { SchedulesService } from './schedules.service';

@ApiTags('schedules')
@ApiBearerAuth()
@Controller('schedules')
export class SchedulesController {
  constructor(private readonly schedules: SchedulesService) {}

  @Post()
  @Roles('operator')
  create(@Body() dto: CreateScheduleDto, @Actor() actor: string): Promise<ScheduleDto> {
    return this.schedules.create(dto, actor);
  }

  @Get()
  list(): Promise<ScheduleDto[]> {
    return this.schedules.list();
  }

  @Get(':id')
  get(@Param('id', new ParseUUIDPipe()) id: string): Promise<ScheduleDto> {
    return this.schedules.get(id);
  }

  @Post(':id/run')
  @Roles('operator')
  @HttpCode(HttpStatus.ACCEPTED)
  run(@Param('id', new ParseUUIDPipe()) id: string, @Actor() actor: string): Promise<void> {
    return this.schedules.runNow(id, actor);
  }

  @Delete(':id')
  @Roles('operator')
  @HttpCode(HttpStatus.NO_CONTENT)
  remove(@Param('id', new ParseUUIDPipe()) id: string, @Actor() actor: string): Promise<void> {
    return this.schedules.remove(id, actor);
  }
}
