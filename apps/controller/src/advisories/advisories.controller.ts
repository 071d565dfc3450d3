import { Controller, Get, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { Roles } from '../auth/roles.decorator';
import {
  AdvisoryQueryDto,
  FleetAdvisoriesDto,
  FleetAdvisoryQueryDto,
  HostAdvisoriesDto,
} from './advisories.dto';
import { AdvisoriesService } from './advisories.service';

/** Vendor advisories: any role may read them (package names and versions are no secret). */
@ApiTags('advisories')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: 'No valid API token' })
@ApiForbiddenResponse({ description: 'The token lacks the viewer role' })
@Controller()
export class AdvisoriesController {
  constructor(private readonly advisories: AdvisoriesService) {}

  @Get('hosts/:id/advisories')
  @Roles('viewer')
  @ApiOperation({
    summary: "A host's installed software against CISA's log4j affected-products list",
    description:
      'Packages of the latest inventory and products of the latest jar scan, each match with its confidence, the entry per CVE and where the version falls in its lists. Advice: check with the vendor.',
  })
  @ApiOkResponse({ type: HostAdvisoriesDto })
  @ApiNotFoundResponse({ description: 'No such host' })
  forHost(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Query() query: AdvisoryQueryDto,
  ): Promise<HostAdvisoriesDto> {
    return this.advisories.forHost(id, query);
  }

  @Get('advisories')
  @Roles('viewer')
  @ApiOperation({
    summary: 'Across the fleet: which CISA-listed products are installed, on how many hosts',
    description:
      'One item per database entry matched on any host: its status per CVE, the best match confidence, the hosts and the software that matched. Affected first, then by host count.',
  })
  @ApiOkResponse({ type: FleetAdvisoriesDto })
  fleet(@Query() query: FleetAdvisoryQueryDto): Promise<FleetAdvisoriesDto> {
    return this.advisories.fleet(query);
  }
}
