import { Body, Controller, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiTags } from '@nestjs/swagger';
import { Actor, Roles } from '../auth/roles.decorator';
import { RecordRemediationDto, RemediationDto } from './remediations.dto';
import { VerificationService } from './verification.service';

@ApiTags('hosts')
@ApiBearerAuth()
@Controller('hosts')
export class RemediationsController {
  constructor(private readonly verification: VerificationService) {}

  /** Records a remediation done by hand; the host becomes 'remediated' and a verification rescan is queued. */
  @Post(':id/remediations')
  @HttpCode(201)
  @ApiCreatedResponse({ type: RemediationDto })
  @Roles('operator')
  record(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() dto: RecordRemediationDto,
    @Actor() actor: string,
  ): Promise<RemediationDto> {
    return this.verification.recordRemediation(id, dto, actor);
  }
}
