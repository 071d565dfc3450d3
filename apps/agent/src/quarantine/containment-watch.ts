import type { ContainmentReport } from '@log4fleet/contracts';
import type { CheckResult, Quarantine } from '@log4fleet/quarantine';
import type { Logger } from '../daemon/logger';

export interface ContainmentWatchDeps {
  quarantine: Quarantine;
  /** Sends a report to the controller, now or on the next stream (AgentDaemon.reportContainment). */
  report: (report: ContainmentReport) => void;
  log: Logger;
  /** How often the table is checked: the heartbeat interval. */
  intervalMs: number;
}

/**
 * Keeps a quarantine true on the host: re-applied when the agent starts (also after a reboot),
 * checked at every heartbeat interval; a table removed or changed (nft flush ruleset, a
 * firewall restart) is put back by the library and reported as tampering. Checks run whether
 * the controller is reachable or not.
 */
export class ContainmentWatch {
  private timer: NodeJS.Timeout | undefined;
  private lastFailure = '';

  constructor(private readonly deps: ContainmentWatchDeps) {}

  async start(): Promise<void> {
    this.handle(await this.deps.quarantine.reapply(), 'start');
    this.timer = setInterval(() => void this.check(), this.deps.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  async check(): Promise<void> {
    this.handle(await this.deps.quarantine.check(), 'heartbeat');
  }

  private handle(result: CheckResult, when: 'start' | 'heartbeat'): void {
    const now = Date.now();
    switch (result.state) {
      case 'none':
      case 'intact':
        this.lastFailure = '';
        return;
      case 'reapplied':
        this.deps.log.info(
          { when, hash: result.rulesetHash },
          'quarantine re-applied (new boot or agent upgrade)',
        );
        return;
      case 'restored':
        this.lastFailure = '';
        this.deps.log.warn(
          { when, tamper: result.tamper },
          'quarantine table tampered with: put back',
        );
        this.deps.report({
          state: 'tampered',
          kind: result.tamper.kind,
          detail: result.tamper.detail.slice(0, 1000),
          rulesetHash: result.rulesetHash,
          atMs: now,
        });
        return;
      case 'failed': {
        this.deps.log.error(
          { when, code: result.code, reason: result.reason },
          'quarantine cannot be kept',
        );
        const key = `${result.code}:${result.reason}`;
        if (key === this.lastFailure) return;
        this.lastFailure = key;
        this.deps.report({
          state: 'failed',
          kind: result.code,
          detail: result.reason.slice(0, 1000),
          rulesetHash: '',
          atMs: now,
        });
        return;
      }
    }
  }
}
