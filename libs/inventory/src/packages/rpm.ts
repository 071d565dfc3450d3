import type { InstalledPackage, Parsed, ParseWarning } from '../types';
import { numberedLines } from '../util/lines';

/** The query format rpm is asked for: one tab-separated line per package. */
export const RPM_QUERY_FORMAT =
  '%{NAME}\\t%{EPOCH}\\t%{VERSION}\\t%{RELEASE}\\t%{ARCH}\\t%{SOURCERPM}\\n';

/** "log4j-2.14.1-1.el8.src.rpm" -> "log4j": the name before version and release. */
function sourceName(sourceRpm: string): string | undefined {
  const m = /^(.+)-[^-]+-[^-]+\.(?:no)?src\.rpm$/.exec(sourceRpm);
  return m?.[1];
}

/**
 * Parses the output of `rpm -qa --queryformat RPM_QUERY_FORMAT`. The version is
 * [epoch:]version-release as rpm compares it; gpg-pubkey pseudo-packages are skipped.
 */
export function parseRpmQa(text: string, file = 'rpm -qa'): Parsed<InstalledPackage[]> {
  const warnings: ParseWarning[] = [];
  const value: InstalledPackage[] = [];
  for (const { line, text: t } of numberedLines(text)) {
    if (t.trim() === '') continue;
    const f = t.split('\t');
    const [name, epoch, version, release, arch, sourceRpm] = f;
    if (f.length !== 6 || !name || !version) {
      warnings.push({
        file,
        line,
        message: 'not a NAME EPOCH VERSION RELEASE ARCH SOURCERPM line',
      });
      continue;
    }
    if (name === 'gpg-pubkey') continue;
    const epochPart = epoch && epoch !== '(none)' && epoch !== '0' ? `${epoch}:` : '';
    const releasePart = release && release !== '(none)' ? `-${release}` : '';
    const source = sourceRpm && sourceRpm !== '(none)' ? sourceName(sourceRpm) : undefined;
    value.push({
      manager: 'rpm',
      name,
      version: `${epochPart}${version}${releasePart}`,
      arch: arch === '(none)' ? '' : (arch ?? ''),
      ...(source && source !== name ? { sourcePackage: source } : {}),
    });
  }
  return { value, warnings };
}
