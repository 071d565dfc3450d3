import { Inject, Injectable } from '@nestjs/common';
import { deterministicUuid } from '../common/deterministic-id';
import { loggerFor } from '../common/logger';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import type { ContainmentState } from '../hosts/host.entity';
import { HostsService } from '../hosts/hosts.service';
import { ContainmentService } from './containment.service';
import { quarantineParams } from './quarantine.kind';

/** A host a completed scan made `vulnerable`, and the scan run that did. */
export interface BecameVulnerable {
  hostId: string;
  scanRunId: string;
}

export const AUTO_QUARANTINE_ACTOR = 'system:auto-quarantine';

/** Containment states of a quarantine that is open: asked for, in place, or put back by its agent. */
const OPEN: ReadonlySet<ContainmentState> = new Set([
  'requested',
  'applied',
  'verified',
  'tampered',
]);

/**
 * The optional policy of issue 15 (AUTO_QUARANTINE, off by default): a host a scan made
 * `vulnerable` is quarantined in the configured mode, through the same path as
 * POST /hosts/:id/quarantine (ContainmentService.request: the command, `containment.requested`
 * audited with the actor system:auto-quarantine and the scan run). Called after the ingestion's
 * transaction committed (results-ingest.service.ts): the verdict is on record before the command
 * exists. At most one open quarantine per host: none is asked for while one is requested,
 * applied, verified or tampered (put back by the agent); the command's id derives from the scan
 * run, so a repeated call creates nothing twice. Calls run one after the other in a process.
 */
@Injectable()
export class AutoQuarantineService {
  private readonly logger = loggerFor(AutoQuarantineService.name);
  private chain: Promise<void> = Promise.resolve();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly hosts: HostsService,
    private readonly containment: ContainmentService,
  ) {}

  get enabled(): boolean {
    return this.config.autoQuarantine !== 'off';
  }

  /** Quarantines these hosts by the policy; a failure is logged per host, never thrown. */
  onBecameVulnerable(hosts: readonly BecameVulnerable[]): Promise<void> {
    if (!this.enabled || hosts.length === 0) return Promise.resolve();
    const next = this.chain.then(async () => {
      for (const h of hosts) {
        try {
          await this.quarantine(h);
        } catch (error) {
          this.logger.error(
            { ...h, err: error instanceof Error ? error.message : String(error) },
            'auto-quarantine: no quarantine command',
          );
        }
      }
    });
    this.chain = next;
    return next;
  }

  private async quarantine({ hostId, scanRunId }: BecameVulnerable): Promise<void> {
    const mode = this.config.autoQuarantine;
    if (mode === 'off') return;
    const host = await this.hosts.require(hostId);
    // Moved on since the scan (a newer verdict, a remediation): the policy no longer applies.
    if (host.status !== 'vulnerable') return;
    if (host.containment && OPEN.has(host.containment)) {
      this.logger.info(
        { hostId, scanRunId, containment: host.containment },
        'auto-quarantine: a quarantine is already open',
      );
      return;
    }
    const command = await this.containment.request({
      hostId,
      request: { kind: 'quarantine', params: quarantineParams({ mode }) },
      actor: AUTO_QUARANTINE_ACTOR,
      reason: `AUTO_QUARANTINE=${mode}: scan run ${scanRunId} made the host vulnerable`,
      commandId: deterministicUuid('auto-quarantine', scanRunId),
    });
    this.logger.warn({ hostId, scanRunId, commandId: command.id, mode }, 'auto-quarantine');
  }
}
