import type { HostStatus } from '../hosts/host.entity';

export const FLAG_CLEAN_WITHOUT_REMEDIATION = 'clean without a recorded remediation';

export interface ScanOutcome {
  status: HostStatus;
  /** Set when the scan makes the host suspicious (the advisory: attackers patch the hosts they took). */
  flagReason?: string;
}

/**
 * What a succeeded scan means for its host (the scan kind's rule): the host's next state. A quarantined host stays contained until it is
 * released; a host that was vulnerable and is now clean with no remediation on record is flagged.
 */
export function statusAfterScan(
  current: HostStatus,
  vulnerable: boolean,
  remediationRecorded: boolean,
): ScanOutcome {
  if (vulnerable) return { status: current === 'quarantined' ? 'quarantined' : 'vulnerable' };
  switch (current) {
    case 'unknown':
    case 'clean':
      return { status: 'clean' };
    case 'vulnerable':
      return remediationRecorded
        ? { status: 'verified' }
        : { status: 'clean', flagReason: FLAG_CLEAN_WITHOUT_REMEDIATION };
    case 'quarantined':
      return remediationRecorded
        ? { status: 'verified' }
        : { status: 'quarantined', flagReason: FLAG_CLEAN_WITHOUT_REMEDIATION };
    case 'remediated':
    case 'verified':
      return { status: 'verified' };
    case 'released':
      return { status: 'released' };
  }
}
