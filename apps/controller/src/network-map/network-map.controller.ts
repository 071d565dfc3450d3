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
  ExposedJvmDto,
  HostPeersDto,
  NetworkMapDto,
  ReachabilityQueryDto,
  VulnerableReachabilityDto,
} from './network-map.dto';
import { NetworkMapService } from './network-map.service';

/** The fleet's network map: read-only, for any role (what a responder isolates first). */
@ApiTags('network')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: 'No valid API token' })
@ApiForbiddenResponse({ description: 'The token lacks the viewer role' })
@Controller()
export class NetworkMapController {
  constructor(private readonly network: NetworkMapService) {}

  @Get('network/map')
  @Roles('viewer')
  @ApiOperation({
    summary: 'Who talks to whom inside the fleet',
    description:
      "Hosts (matched to their interfaces' addresses) and edges client -> server:port from every host's latest listeners and established connections.",
  })
  @ApiOkResponse({ type: NetworkMapDto })
  map(): Promise<NetworkMapDto> {
    return this.network.map();
  }

  @Get('network/vulnerable-reachability')
  @Roles('viewer')
  @ApiOperation({
    summary: 'Which vulnerable hosts are reachable from which others',
    description:
      'For every host whose status is "vulnerable": its listeners outside loopback and the hosts that reach it over observed connections, nearest first.',
  })
  @ApiOkResponse({ type: VulnerableReachabilityDto })
  reachability(@Query() query: ReachabilityQueryDto): Promise<VulnerableReachabilityDto> {
    return this.network.vulnerableReachability(query.maxHops);
  }

  @Get('network/exposed-jvms')
  @Roles('viewer')
  @ApiOperation({
    summary: 'Vulnerable JVMs listening outside loopback',
    description:
      'Running JVMs holding a vulnerable log4j copy with a listener not bound to loopback, and the hosts seen connecting to those ports.',
  })
  @ApiOkResponse({ type: [ExposedJvmDto] })
  exposedJvms(): Promise<ExposedJvmDto[]> {
    return this.network.exposedJvms();
  }

  @Get('hosts/:id/peers')
  @Roles('viewer')
  @ApiOperation({
    summary: 'Which hosts talk to a host, and to which it talks',
    description:
      'Inbound (it serves) and outbound (it connects) peers, fleet hosts and outside addresses.',
  })
  @ApiOkResponse({ type: HostPeersDto })
  @ApiNotFoundResponse({ description: 'No such host' })
  peers(@Param('id', new ParseUUIDPipe()) id: string): Promise<HostPeersDto> {
    return this.network.peers(id);
  }
}
