import type { HostStatus } from './host.entity';

export const FLAG_CLEAN_WITHOUT_REMEDIATION = 'clean without a recorded remediation';

/**
 * What can happen to a host, as the state rule sees it:
 * - `scan-saw-vulnerable`: a scan completed and itself found a vulnerable log4j-core;
 * - `scan-kept-vulnerable`: a scan completed without finding one, but the host's current findings
 *   (owned by scopes that scan did not cover completely) still hold one; or it found one but was
 *   created before every remediation awaiting proof (it saw what they fixed);
 * - `scan-clean`: a scan completed and the host's current findings hold no vulnerable log4j-core;
 * - `remediation-recorded`: a remediation succeeded (an agent's, or one recorded by hand);
 * - `remediation-verified`: a rescan proved a remediation (verification/remediation-proof.ts);
 * - `remediation-failed`: a rescan that covered a remediation still found it vulnerable;
 * - `quarantined` / `released`: containment applied / lifted;
 * - `probe-callback`: a canary probe (probe/) got a callback: a running service performs JNDI
 *   lookups on user input, whatever the file scan said;
 * - `probe-clean`: a probe with no callback covered every port of the evidence
 *   (probe-rules.ts nextHostProbeRecord decides): the host is not exploitable any more.
 */
export const HOST_EVENTS = [
  'scan-saw-vulnerable',
  'scan-kept-vulnerable',
  'scan-clean',
  'remediation-recorded',
  'remediation-verified',
  'remediation-failed',
  'quarantined',
  'released',
  'probe-callback',
  'probe-clean',
] as const;
export type HostEvent = (typeof HOST_EVENTS)[number];

/**
 * What the host's own records say once no probe shows it exploitable (read only by
 * `probe-clean`): its current findings hold a vulnerable log4j-core; or not, and its newest
 * remediation was proven by a rescan; or neither.
 */
export type HostRecords = 'vulnerable' | 'verified' | 'clean';

export interface HostTransition {
  status: HostStatus;
  /** raise: the host becomes suspicious (with the reason); clear: what raised it is resolved. */
  flag?: { raise: string } | 'clear';
}

/**
 * The one rule of a host's state (README "Host states" shows it as a table): the next state
 * after `event`, given whether a remediation of the host is on record and not yet settled.
 * A quarantined host stays contained until released. A host that was vulnerable and comes out
 * clean with no remediation on record is flagged (the advisory: attackers patch the hosts they
 * took); the flag clears when the host is vulnerable again or a remediation is verified.
 * An exploitable host (a probe's callback) stays so until a probe with no callback: scans and
 * remediations do not clear it by themselves; that probe then puts it where its records say
 * (`records`: vulnerable, else remediated while a remediation awaits its rescan, else verified
 * or clean, clean with the flag: nobody recorded what made the service stop looking up).
 */
export function nextHostState(
  current: HostStatus,
  event: HostEvent,
  remediationPending: boolean,
  records: HostRecords = 'clean',
): HostTransition {
  const contained = current === 'quarantined';
  if (current === 'exploitable') return fromExploitable(event, remediationPending, records);
  switch (event) {
    case 'scan-saw-vulnerable':
    case 'remediation-failed':
      return { status: contained ? 'quarantined' : 'vulnerable', flag: 'clear' };
    case 'scan-kept-vulnerable':
      // A remediation awaits its rescan: the findings it fixed are still the current ones.
      if (contained || current === 'remediated') return { status: current };
      return { status: 'vulnerable', flag: 'clear' };
    case 'scan-clean':
      return afterClean(current, remediationPending);
    case 'remediation-recorded':
      return { status: contained ? 'quarantined' : 'remediated' };
    case 'remediation-verified':
      return { status: contained ? 'quarantined' : 'verified', flag: 'clear' };
    case 'quarantined':
      return { status: 'quarantined' };
    case 'released':
      return { status: contained ? 'released' : current };
    case 'probe-callback':
      return { status: contained ? 'quarantined' : 'exploitable', flag: 'clear' };
    case 'probe-clean':
      return { status: current };
  }
}

function fromExploitable(
  event: HostEvent,
  remediationPending: boolean,
  records: HostRecords,
): HostTransition {
  switch (event) {
    case 'scan-saw-vulnerable':
    case 'remediation-failed':
    case 'remediation-verified':
    case 'probe-callback':
      return { status: 'exploitable', flag: 'clear' };
    case 'quarantined':
      return { status: 'quarantined' };
    case 'probe-clean':
      if (records === 'vulnerable') return { status: 'vulnerable' };
      if (remediationPending) return { status: 'remediated' };
      if (records === 'verified') return { status: 'verified' };
      return { status: 'clean', flag: { raise: FLAG_CLEAN_WITHOUT_REMEDIATION } };
    case 'scan-kept-vulnerable':
    case 'scan-clean':
    case 'remediation-recorded':
    case 'released':
      return { status: 'exploitable' };
  }
}

function afterClean(current: HostStatus, remediationPending: boolean): HostTransition {
  const flag = { raise: FLAG_CLEAN_WITHOUT_REMEDIATION };
  switch (current) {
    case 'unknown':
    case 'clean':
      return { status: 'clean' };
    case 'vulnerable':
      return remediationPending ? { status: 'remediated' } : { status: 'clean', flag };
    case 'quarantined':
      return remediationPending ? { status: 'quarantined' } : { status: 'quarantined', flag };
    case 'remediated':
    case 'verified':
    case 'released':
    case 'exploitable':
      return { status: current };
  }
}
