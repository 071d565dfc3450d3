import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsISO8601, IsOptional } from 'class-validator';
import { PageQueryDto } from '../common/pagination.dto';
import { IsUuid } from '../common/validators';
import { INVENTORY_CHANGE_KINDS, InventoryChangeKind } from './inventory-diff';

/** "true"/"false" in a query string to a boolean; anything else is left for @IsBoolean to refuse. */
const queryBoolean = ({ value }: { value: unknown }): unknown =>
  value === 'true' ? true : value === 'false' ? false : value;

export class InventoryHostQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    description: 'Latest snapshot shows a JVM running a vulnerable log4j copy',
  })
  @IsOptional()
  @Transform(queryBoolean)
  @IsBoolean()
  runningVulnerableJvm?: boolean;
  @ApiPropertyOptional({
    description: 'Latest snapshot shows a JVM still running a deleted or replaced jar',
  })
  @IsOptional()
  @Transform(queryBoolean)
  @IsBoolean()
  restartNeeded?: boolean;
  @ApiPropertyOptional({
    description:
      'ISO-8601: a privileged account appeared in a snapshot collected at or after this time',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  privilegedAddedSince?: string;
  @ApiPropertyOptional({
    description:
      'ISO-8601: no package update since this time (hosts with no known update included)',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  notUpdatedSince?: string;
}

export class InventoryDiffQueryDto {
  @ApiProperty({ description: 'Snapshot id (older)' }) @IsUuid() from!: string;
  @ApiProperty({ description: 'Snapshot id (newer)' }) @IsUuid() to!: string;
}

export class InventoryHostDto {
  @ApiProperty() hostId!: string;
  @ApiProperty({ description: "The host's name" }) hostname!: string;
  @ApiProperty() snapshotId!: string;
  @ApiProperty() collectedAt!: string;
  @ApiProperty() osName!: string;
  @ApiProperty() osVersion!: string;
  @ApiProperty() runningVulnerableJvm!: boolean;
  @ApiProperty() restartNeeded!: boolean;
  @ApiProperty({ type: [String] }) privilegedAccounts!: string[];
  @ApiProperty({ nullable: true, type: String }) lastUpdateAt!: string | null;
}

export class InventorySnapshotSummaryDto {
  @ApiProperty() id!: string;
  @ApiProperty() hostId!: string;
  @ApiProperty() agentId!: string;
  @ApiProperty() collectedAt!: string;
  @ApiProperty() receivedAt!: string;
  @ApiProperty() hostname!: string;
  @ApiProperty() osName!: string;
  @ApiProperty() osVersion!: string;
  @ApiProperty() runningVulnerableJvm!: boolean;
  @ApiProperty() restartNeeded!: boolean;
  @ApiProperty({ type: [String] }) privilegedAccounts!: string[];
  @ApiProperty({ nullable: true, type: String }) lastUpdateAt!: string | null;
  @ApiProperty({ description: 'Changes against the previous snapshot' }) changes!: number;
}

export interface PackageActivityView {
  at: string | null;
  file: string;
  detail: string;
}

export interface JvmFindingView {
  path: string;
  product: string;
  version: string;
  versionExact: boolean;
  status: string;
  cves: string[];
  evidence: string[];
  sha256: string;
  source: string;
  /** "deleted"/"replaced" when the running copy is not what is on disk; else null. */
  staleReason: string | null;
}

export interface RunningJvmView {
  pid: number;
  uid: number;
  user: string;
  comm: string;
  cmdline: string[];
  main: string;
  mainClass: string;
  jar: string;
  classpath: string[];
  javaVersion: string;
  javaHome: string;
  containerId: string | null;
  containerRuntime: string | null;
  startedAt: string | null;
  flags: Array<{
    name: string;
    value: string;
    source: string;
    what: string;
    effect: string;
    covers: string[];
    doesNotCover: string[];
    note: string;
  }>;
  indicators: Array<{
    protocol: string;
    state: string;
    local: string;
    remote: string;
    service: string;
    message: string;
  }>;
  findings: JvmFindingView[];
  restartNeeded: Array<{
    path: string;
    reason: string;
    detail: string;
    running: CopyView[];
    onDisk: CopyView[];
  }>;
}

export interface CopyView {
  product: string;
  version: string;
  status: string;
  cves: string[];
}

export interface InventoryView {
  os: {
    name: string;
    version: string;
    prettyName: string;
    id: string;
    kernel: string;
    arch: string;
    hostname: string;
    fqdn: string;
    machineId: string;
    uptimeS: number;
  };
  network: {
    interfaces: Array<{
      name: string;
      addresses: Array<{
        address: string;
        family: string;
        cidr: string;
        mac: string;
        internal: boolean;
      }>;
    }>;
    defaultRoutes: Array<{ iface: string; gateway: string; metric: number }>;
    listening: Array<{
      protocol: string;
      address: string;
      port: number;
      uid: number;
      processes: Array<{ pid: number; comm: string; uid: number; user: string }>;
    }>;
    connections: Array<{
      protocol: string;
      local: string;
      remote: string;
      uid: number;
      processes: Array<{ pid: number; comm: string; uid: number; user: string }>;
    }>;
  };
  javaRuntimes: Array<{ home: string; vendor: string; version: string; runningPids: number[] }>;
  accounts: Array<{
    name: string;
    uid: number;
    shell: string;
    canLogin: boolean;
    privileged: boolean;
    privilegeReasons: string[];
    lastLoginAt: string | null;
    lastLoginFrom: string;
    passwordState: string;
    groups: string[];
  }>;
  updates: {
    dpkg: PackageActivityView | null;
    apt: PackageActivityView | null;
    rpm: PackageActivityView | null;
    lastUpdate: PackageActivityView | null;
    agentVersion: string;
    agentUpdatedAt: string | null;
  };
  jvms: RunningJvmView[];
  packages: Array<{
    manager: string;
    name: string;
    version: string;
    arch: string;
    sourcePackage: string | null;
  }>;
  warnings: Array<{ file: string; line: number | null; message: string }>;
}

export class InventorySnapshotDto extends InventorySnapshotSummaryDto {
  @ApiProperty({
    type: Object,
    description:
      'OS, network (listeners, established connections), Java runtimes, accounts, updates, running JVMs, installed packages, parse warnings',
  })
  inventory!: InventoryView;
}

export class InventoryChangeDto {
  @ApiProperty({ enum: INVENTORY_CHANGE_KINDS }) kind!: InventoryChangeKind;
  @ApiProperty() summary!: string;
  @ApiProperty({ type: Object }) details!: Record<string, unknown>;
}

export class InventoryDiffDto {
  @ApiProperty() hostId!: string;
  @ApiProperty({ type: InventorySnapshotSummaryDto }) from!: InventorySnapshotSummaryDto;
  @ApiProperty({ type: InventorySnapshotSummaryDto }) to!: InventorySnapshotSummaryDto;
  @ApiProperty({ type: [InventoryChangeDto] }) changes!: InventoryChangeDto[];
}

export class HostProcessesDto {
  @ApiProperty() hostId!: string;
  @ApiProperty() snapshotId!: string;
  @ApiProperty() collectedAt!: string;
  @ApiProperty({
    type: Object,
    isArray: true,
    description:
      'Running JVMs with their log4j findings, flags, indicators and restart-needed jars',
  })
  jvms!: RunningJvmView[];
}
