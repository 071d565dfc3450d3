import { Controller, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Actor, Roles } from '../auth/roles.decorator';
import { CommandResultsDto, RetryResultsDto } from './command-results.dto';
import { CommandResultsService } from './command-results.service';

@ApiTags('commands')
@ApiBearerAuth()
@Controller('commands/:id/results')
export class CommandResultsController {
  constructor(private readonly results: CommandResultsService) {}

  @Get()
  @ApiOkResponse({ type: CommandResultsDto })
  get(@Param('id', new ParseUUIDPipe()) id: string): Promise<CommandResultsDto> {
    return this.results.of(id);
  }

  @Post('retry')
  @HttpCode(200)
  @ApiOkResponse({ type: RetryResultsDto })
  @Roles('operator')
  retry(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Actor() actor: string,
  ): Promise<RetryResultsDto> {
    return this.results.retry(id, actor);
  }
}
