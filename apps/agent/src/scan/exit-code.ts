import type { Finding, ScanError } from '@log4fleet/scanner';

/** Exit codes of `log4fleet-agent scan`, most severe first in precedence. */
export const ScanExit = {
  CLEAN: 0,
  ATTENTION: 1,
  VULNERABLE: 2,
  INCOMPLETE: 3,
  USAGE: 64,
} as const;
export type ScanExitCode = (typeof ScanExit)[keyof typeof ScanExit];

export const EXIT_CODE_HELP = `
Exit codes:
  0   nothing vulnerable found (and no scan errors)
  1   only mitigated or undecided log4j-core copies, or log4j 1.x / reload4j (end of life, CVEs in optional classes)
  2   at least one vulnerable log4j-core (CVE-2021-44228 / CVE-2021-45046)
  3   the scan is incomplete and nothing above was found: something could not be read or judged.
      That is: a file or directory the scan may not read (permission denied) or that fails to read
      (I/O error); a zip that is corrupt or truncated; a zip bomb, an entry or archive over the
      limits, nesting deeper than --max-depth; encrypted entries or an unsupported compression
      method; a log4j class too large to inspect. Each is listed among the errors, with its path.
      Not errors: a file that is simply not an archive, whatever its name (tutor.bar, *.PAR);
      a symbolic link loop (reported; what it points to was scanned); files that vanish mid-scan.
  64  usage error (bad option or value)
`;

/** Follows findings and errors as they stream, and knows the exit code at any time. */
export class ExitCodeTracker {
  private vulnerableCore = false;
  private attention = false;
  private errors = 0;

  onFinding(f: Pick<Finding, 'product' | 'status'>): void {
    switch (f.status) {
      case 'vulnerable':
        if (f.product === 'log4j-core') this.vulnerableCore = true;
        else this.attention = true;
        return;
      case 'mitigated':
      case 'unknown':
        this.attention = true;
        return;
      case 'safe':
        return;
    }
  }

  onError(e?: Pick<ScanError, 'code'>): void {
    // A symlink loop is reported, but nothing was left unread: the directory it points to is
    // an ancestor, walked through its real path (Debian ships /usr/bin/X11 -> .).
    if (e?.code === 'symlink-loop') return;
    this.errors++;
  }

  code(): ScanExitCode {
    if (this.vulnerableCore) return ScanExit.VULNERABLE;
    if (this.attention) return ScanExit.ATTENTION;
    if (this.errors > 0) return ScanExit.INCOMPLETE;
    return ScanExit.CLEAN;
  }
}

export function exitCodeFor(
  findings: Pick<Finding, 'product' | 'status'>[],
  errorCount: number,
): ScanExitCode {
  const tracker = new ExitCodeTracker();
  for (const f of findings) tracker.onFinding(f);
  for (let i = 0; i < errorCount; i++) tracker.onError();
  return tracker.code();
}
