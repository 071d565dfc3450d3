import { parseJsonArray } from '../common/json-column';
import { CampaignFindingsDto, CoverageDto, CveCountDto } from './campaigns.dto';
import { CoverageRow } from './campaigns.repository';

export interface OfflineCounts {
  queued: number;
  delivered: number;
}

/**
 * Coverage buckets from the targets' and their commands' states. A command not yet started whose
 * expiry has passed counts as expired even before the expiry job marks it; one whose agent is
 * connected to no controller process counts as offline.
 */
export function computeCoverage(rows: CoverageRow[], offline: OfflineCounts): CoverageDto {
  const c: CoverageDto = {
    targets: 0,
    queued: 0,
    delivered: 0,
    running: 0,
    succeeded: 0,
    failed: 0,
    offline: 0,
    expired: 0,
    cancelled: 0,
    skipped: 0,
    percentSucceeded: 0,
  };
  for (const row of rows) {
    c.targets += row.count;
    switch (row.targetState) {
      case 'pending':
      case 'dispatching':
        c.queued += row.count;
        continue;
      case 'skipped':
        c.skipped += row.count;
        continue;
      case 'cancelled':
        c.cancelled += row.count;
        continue;
      case 'expired':
        c.expired += row.count;
        continue;
      case 'dispatched':
        break;
    }
    switch (row.commandState) {
      case null:
      case 'queued':
        if (row.overdue && row.commandState) c.expired += row.count;
        else c.queued += row.count;
        break;
      case 'delivered':
        if (row.overdue) c.expired += row.count;
        else c.delivered += row.count;
        break;
      case 'started':
        c.running += row.count;
        break;
      case 'succeeded':
      case 'verified':
        c.succeeded += row.count;
        break;
      case 'failed':
        c.failed += row.count;
        break;
      case 'expired':
        c.expired += row.count;
        break;
      case 'cancelled':
        c.cancelled += row.count;
        break;
    }
  }
  const queuedOffline = Math.min(offline.queued, c.queued);
  const deliveredOffline = Math.min(offline.delivered, c.delivered);
  c.queued -= queuedOffline;
  c.delivered -= deliveredOffline;
  c.offline = queuedOffline + deliveredOffline;
  c.percentSucceeded = c.targets === 0 ? 0 : Math.round((c.succeeded / c.targets) * 1000) / 10;
  return c;
}

/** Nothing can change any more: every target is settled and every command in a final state. */
export function isSettled(c: CoverageDto): boolean {
  return c.queued + c.delivered + c.running + c.offline === 0;
}

export function summarizeFindings(
  scanned: number,
  vulnerableHosts: number,
  byHostAndCves: Array<{ hostId: string; cves: string; count: number }>,
): CampaignFindingsDto {
  const perCve = new Map<string, { hosts: Set<string>; findings: number }>();
  for (const row of byHostAndCves) {
    for (const cve of parseJsonArray(row.cves)) {
      const entry = perCve.get(cve) ?? { hosts: new Set<string>(), findings: 0 };
      entry.hosts.add(row.hostId);
      entry.findings += row.count;
      perCve.set(cve, entry);
    }
  }
  const byCve: CveCountDto[] = [...perCve.entries()]
    .map(([cve, e]) => ({ cve, hosts: e.hosts.size, findings: e.findings }))
    .sort((a, b) => b.hosts - a.hosts || a.cve.localeCompare(b.cve));
  return {
    hostsScanned: scanned,
    hostsVulnerable: vulnerableHosts,
    hostsClean: Math.max(0, scanned - vulnerableHosts),
    byCve,
  };
}
