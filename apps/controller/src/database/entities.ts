import { AgentEntity } from '../agents/agent.entity';
import { AuditEventEntity } from '../audit/audit-event.entity';
import { ApiTokenEntity } from '../auth/api-token.entity';
import { CommandEntity } from '../commands/command.entity';
import { EnrollmentTokenEntity } from '../enrollment/enrollment-token.entity';
import { HostEntity } from '../hosts/host.entity';
import { FindingEntity } from '../results/finding.entity';
import { ResultChunkEntity } from '../results/result-chunk.entity';
import { ScanErrorEntity } from '../results/scan-error.entity';
import { ScanRunEntity } from '../results/scan-run.entity';
import { CampaignEntity, CampaignTargetEntity } from '../campaigns/campaign.entity';
import { ScheduleEntity } from '../schedules/schedule.entity';
import { InventorySnapshotEntity } from '../inventory/inventory-snapshot.entity';
import { InventorySnapshots1764500000000 } from './migrations/1764500000000-inventory-snapshots.migration';
import { CampaignsSchedules1764400000000 } from './migrations/1764400000000-campaigns-schedules.migration';
import { ResultChunkPayload1764600000000 } from './migrations/1764600000000-result-chunk-payload.migration';
import { ResultChunksByCommand1764700000000 } from './migrations/1764700000000-result-chunks-by-command.migration';
import { ResultChunkFailures1764800000000 } from './migrations/1764800000000-result-chunk-failures.migration';
import { PathTextForm1764900000000 } from './migrations/1764900000000-path-text-form.migration';
import { AgentReplacement1765000000000 } from './migrations/1765000000000-agent-replacement.migration';
import { SchedulePauseRetention1765100000000 } from './migrations/1765100000000-schedule-pause-retention.migration';
import { CommandSigningKeyEntity } from '../signing/command-signing-key.entity';
import { CommandSigningKeys1765400000000 } from './migrations/1765400000000-command-signing-keys.migration';
import { CampaignCommandKinds1765500000000 } from './migrations/1765500000000-campaign-command-kinds.migration';
import { HostContainment1765620000000 } from './migrations/1765620000000-host-containment.migration';
import {
  HostProbeStateEntity,
  ProbeFindingEntity,
  ProbeRunEntity,
} from '../probe/probe-run.entity';
import { ProbeResults1765670000000 } from './migrations/1765670000000-probe-results.migration';
import { HostExploitable1765680000000 } from './migrations/1765680000000-host-exploitable.migration';
import { HostTruth1765600000000 } from './migrations/1765600000000-host-truth.migration';
import { HuntHitEntity, HuntRunEntity } from '../hunt/hunt-hit.entity';
import { HuntHits1765640000000 } from './migrations/1765640000000-hunt-hits.migration';
import { InitialSchema1764300000000 } from './migrations/1764300000000-initial-schema.migration';

export const ENTITIES = [
  HostEntity,
  AgentEntity,
  EnrollmentTokenEntity,
  CommandEntity,
  ScanRunEntity,
  FindingEntity,
  ScanErrorEntity,
  ResultChunkEntity,
  AuditEventEntity,
  ApiTokenEntity,
  // campaigns/schedules feature
  CampaignEntity,
  CampaignTargetEntity,
  ScheduleEntity,
  InventorySnapshotEntity,
  CommandSigningKeyEntity,
  // probe kind
  ProbeRunEntity,
  ProbeFindingEntity,
  HostProbeStateEntity,
  // hunt kind
  HuntHitEntity,
  HuntRunEntity,
];

export const MIGRATIONS = [
  InitialSchema1764300000000,
  CampaignsSchedules1764400000000,
  InventorySnapshots1764500000000,
  ResultChunkPayload1764600000000,
  ResultChunksByCommand1764700000000,
  ResultChunkFailures1764800000000,
  PathTextForm1764900000000,
  AgentReplacement1765000000000,
  SchedulePauseRetention1765100000000,
  CommandSigningKeys1765400000000,
  CampaignCommandKinds1765500000000,
  HostContainment1765620000000,
  ProbeResults1765670000000,
  HostExploitable1765680000000,
  HostTruth1765600000000,
  HuntHits1765640000000,
];
