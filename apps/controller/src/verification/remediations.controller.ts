import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import { Actor, Roles } from '../auth/roles.decorator';
import { ApiOperationDoc } from '../common/api-docs';
import { RecordRemediationDto, RemediationDto, RemediationStatusDto } from './remediations.dto';
import { VerificationService } from './verification.service';

@ApiTags('hosts')
@ApiBearerAuth()
@Controller('hosts')
export class RemediationsController {
  constructor(private readonly verification: VerificationService) {}

  /** Records a remediation done by hand; the host becomes 'remediated' and a verification rescan is queued. */
  @Post(':id/remediations')
  @HttpCode(201)
  @ApiOperationDoc(
    'Record a remediation done by hand; a rescan of where the vulnerable findings were verifies it',
    { role: 'operator', badRequest: 'method, note or ticket is invalid', notFound: 'No such host' },
  )
  @ApiCreatedResponse({ type: RemediationDto })
  @ApiConflictResponse({ description: 'The host has no active agent to rescan it' })
  @Roles('operator')
  record(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() dto: RecordRemediationDto,
    @Actor() actor: string,
  ): Promise<RemediationDto> {
    return this.verification.recordRemediation(id, dto, actor);
  }

  @Get(':id/remediations')
  @ApiOperationDoc(
    "A host's remediations, newest first, with their verification: the scan that verified each, or why none did",
    { badRequest: 'The id is not a UUID', notFound: 'No such host' },
  )
  @ApiOkResponse({ type: [RemediationStatusDto] })
  list(@Param('id', new ParseUUIDPipe()) id: string): Promise<RemediationStatusDto[]> {
    return this.verification.list(id);
  }
}
