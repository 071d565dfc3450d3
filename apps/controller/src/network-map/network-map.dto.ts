import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsOptional } from 'class-validator';
import { IsIntInRange } from '../common/validators';

export const MAX_HOPS = 10;

export class ReachabilityQueryDto {
  @ApiPropertyOptional({
    minimum: 1,
    maximum: MAX_HOPS,
    default: 3,
    description:
      'Follow observed connections at most this many hops back from each vulnerable host',
  })
  @IsOptional()
  @Type(() => Number)
  @IsIntInRange(1, MAX_HOPS)
  maxHops = 3;
}

export class ListenerDto {
  @ApiProperty({ example: 'tcp6' }) protocol!: string;
  @ApiProperty({ example: '::' }) address!: string;
  @ApiProperty() port!: number;
  @ApiProperty({ type: [Number] }) pids!: number[];
  @ApiProperty({ type: [String] }) processes!: string[];
}

export class MapNodeDto {
  @ApiProperty() hostId!: string;
  @ApiProperty() hostname!: string;
  @ApiProperty({ description: "The host's status, as hosts.status says" }) status!: string;
  @ApiProperty({ type: [String] }) addresses!: string[];
  @ApiProperty({ description: 'Listeners not bound to loopback' }) exposedListeners!: number;
  @ApiProperty({ description: 'Running JVMs with a vulnerable log4j copy' })
  vulnerableJvms!: number;
  @ApiProperty({ nullable: true, type: String, description: 'null: no inventory yet' })
  inventoryCollectedAt!: string | null;
}

export class MapEdgeDto {
  @ApiProperty({
    description: '"host:<id>", "ip:<address>" (no fleet host has it) or "ambiguous:<address>"',
  })
  from!: string;
  @ApiProperty() to!: string;
  @ApiProperty({ description: "The server's port" }) port!: number;
  @ApiProperty({ nullable: true, type: String, description: 'Server process (comm)' })
  service!: string | null;
  @ApiProperty({ type: [String], enum: ['client', 'server'] }) seenBy!: string[];
  @ApiProperty() connections!: number;
}

export class AmbiguousAddressDto {
  @ApiProperty() address!: string;
  @ApiProperty({ type: [String] }) hostIds!: string[];
}

export class NetworkMapDto {
  @ApiProperty({ type: [MapNodeDto] }) hosts!: MapNodeDto[];
  @ApiProperty({ type: [MapEdgeDto] }) edges!: MapEdgeDto[];
  @ApiProperty({
    type: [AmbiguousAddressDto],
    description:
      'Addresses several hosts carry (docker0, NAT): connections to them are not attributed',
  })
  ambiguousAddresses!: AmbiguousAddressDto[];
}

export class ReachDto {
  @ApiProperty() hostId!: string;
  @ApiProperty() hostname!: string;
  @ApiProperty() status!: string;
  @ApiProperty({ description: '1: connects directly; n: through n observed hops' }) hops!: number;
  @ApiProperty({ type: [String], description: 'Hostnames from this host to the vulnerable one' })
  path!: string[];
  @ApiProperty({ type: [Number], description: 'Ports of the last hop' }) ports!: number[];
}

export class VulnerableHostReachDto {
  @ApiProperty() hostId!: string;
  @ApiProperty() hostname!: string;
  @ApiProperty() status!: string;
  @ApiProperty({ type: [ListenerDto] }) exposedListeners!: ListenerDto[];
  @ApiProperty({ type: [ReachDto] }) reachableFrom!: ReachDto[];
}

export class VulnerableReachabilityDto {
  @ApiProperty() maxHops!: number;
  @ApiProperty({ type: [VulnerableHostReachDto] }) hosts!: VulnerableHostReachDto[];
}

export class PeerDto {
  @ApiProperty() node!: string;
  @ApiProperty({ nullable: true, type: String }) hostId!: string | null;
  @ApiProperty({ nullable: true, type: String }) hostname!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'For peers outside the fleet' })
  address!: string | null;
  @ApiProperty({ type: [Number] }) ports!: number[];
  @ApiProperty() connections!: number;
}

export class HostPeersDto {
  @ApiProperty() hostId!: string;
  @ApiProperty() hostname!: string;
  @ApiProperty({ type: [PeerDto], description: 'Who connects to this host' }) inbound!: PeerDto[];
  @ApiProperty({ type: [PeerDto], description: 'Whom this host connects to' }) outbound!: PeerDto[];
}

export class ExposedJvmDto {
  @ApiProperty() hostId!: string;
  @ApiProperty() hostname!: string;
  @ApiProperty() hostStatus!: string;
  @ApiProperty() pid!: number;
  @ApiProperty() main!: string;
  @ApiProperty() user!: string;
  @ApiProperty({ type: [String], description: 'Vulnerable log4j copies it runs' }) jars!: string[];
  @ApiProperty({ type: [ListenerDto], description: 'Its listeners outside loopback' })
  listeners!: ListenerDto[];
  @ApiProperty({ type: [PeerDto], description: 'Who was seen connecting to those ports' })
  clients!: PeerDto[];
}
