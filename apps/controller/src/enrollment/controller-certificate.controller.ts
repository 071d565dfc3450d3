import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/roles.decorator';
import { ControllerCertificateDto } from './enrollment.dto';
import { EnrollmentTokensService } from './enrollment-tokens.service';

@ApiTags('enrollment-tokens')
@ApiBearerAuth()
@Controller('controller-certificate')
@Roles('viewer')
export class ControllerCertificateController {
  constructor(private readonly tokens: EnrollmentTokensService) {}

  /** The gRPC certificate's fingerprint: give it to agents as `enroll --fingerprint`. */
  @Get()
  @ApiOkResponse({ type: ControllerCertificateDto })
  get(): ControllerCertificateDto {
    return this.tokens.controllerCertificate();
  }
}
