import type { HuntError, HuntHit } from '@log4fleet/hunt';

/** Exit codes of `log4fleet-agent hunt`, with the same meaning for each level as `scan`'s. */
export const HuntExit = {
  CLEAN: 0,
  ATTENTION: 1,
  COMPROMISE_SUSPECTED: 2,
  INCOMPLETE: 3,
  USAGE: 64,
} as const;
export type HuntExitCode = (typeof HuntExit)[keyof typeof HuntExit];

export const HUNT_EXIT_CODE_HELP = `
Exit codes:
  0   nothing found (and every file was read)
  1   only low-confidence traces (javax.naming network errors, com.sun.jndi lookup frames, also seen
      in legitimate LDAP use) or configuration files changed after the date
  2   compromise suspected: exploit strings (JNDI lookups, CVE-2021-45105 recursion strings), traces of a
      lookup that ran, indicators of compromise, or JVMs connected to LDAP/RMI/DNS ports
  3   read errors (unreadable, corrupt or over-large files) and nothing above: the hunt is incomplete
  64  usage error (bad option or value)
`;

/** Follows hits and errors as they stream, and knows the exit code at any time. */
export class HuntExitTracker {
  private suspected = false;
  private attention = false;
  private errors = 0;

  onHit(h: Pick<HuntHit, 'confidence'>): void {
    if (h.confidence === 'high') this.suspected = true;
    else this.attention = true;
  }

  onChangedFile(): void {
    this.attention = true;
  }

  onError(_e?: Pick<HuntError, 'code'>): void {
    this.errors++;
  }

  code(): HuntExitCode {
    if (this.suspected) return HuntExit.COMPROMISE_SUSPECTED;
    if (this.attention) return HuntExit.ATTENTION;
    if (this.errors > 0) return HuntExit.INCOMPLETE;
    return HuntExit.CLEAN;
  }
}
