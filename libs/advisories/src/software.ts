import { upstreamVersion } from './versions';

export type SoftwareSource = 'dpkg' | 'rpm' | 'jar-scan';

/** One piece of installed software a host reported: a package, or a product the jar scan found. */
export interface SoftwareItem {
  source: SoftwareSource;
  name: string;
  /** As reported (a package's full version; a jar's version); '' when unknown. */
  version: string;
  /** dpkg Source / rpm SOURCERPM name, when it differs from the name. */
  sourcePackage?: string;
  /** Where the jar scan saw it (the outermost path), for jar-scan items. */
  path?: string;
}

/** The version vendors' advisories speak of: the upstream part of a package version. */
export function comparableVersion(item: SoftwareItem): string {
  return item.source === 'jar-scan' ? item.version : upstreamVersion(item.version, item.source);
}

/** A jar-scan finding, as much of it as naming software needs. */
export interface ScanFindingLike {
  /** Display path, elements joined with "!/"; element 0 is on disk. */
  path: string;
  product: string;
  version: string;
}

const INSTALL_ROOTS = /^\/(?:opt|srv|usr\/share|usr\/local|usr\/lib|var\/lib|app|apps)\/([^/]+)\//;
const ARCHIVE = /\.(?:jar|war|ear|sar|rar|zip)$/i;
// "solr-8.11.0", "elasticsearch-7.10.2.jar", "kafka_2.13-3.0.0": a name, then a version.
const NAME_VERSION = /^(.+?)[-_]v?(\d+(?:\.[0-9A-Za-z]+)+)(?:[-_.][A-Za-z]+)?$/;

function nameAndVersion(base: string): { name: string; version: string } {
  const m = NAME_VERSION.exec(base);
  return m
    ? { name: m[1].toLowerCase(), version: m[2] }
    : { name: base.toLowerCase(), version: '' };
}

/**
 * What the jar scan found, as software: the log4j copy itself (log4j-core 2.14.1) and, where the
 * path says it, the application holding it: the outermost archive when it is not log4j's own jar
 * ("/srv/app/report-server-3.2.war"), else the directory under /opt, /srv, /usr/share ...
 * ("/opt/solr-8.11.0/server/lib/ext/log4j-core-2.14.1.jar" -> solr 8.11.0).
 */
export function softwareFromFindings(findings: readonly ScanFindingLike[]): SoftwareItem[] {
  const items = new Map<string, SoftwareItem>();
  const add = (item: SoftwareItem): void => {
    const key = `${item.name} ${item.version}`;
    if (!items.has(key)) items.set(key, item);
  };
  for (const f of findings) {
    const outer = f.path.split('!/')[0];
    add({ source: 'jar-scan', name: f.product, version: f.version, path: outer });
    const base = outer.slice(outer.lastIndexOf('/') + 1);
    if (ARCHIVE.test(base) && !/^(?:log4j|reload4j)/i.test(base)) {
      add({ source: 'jar-scan', ...nameAndVersion(base.replace(ARCHIVE, '')), path: outer });
      continue;
    }
    const dir = INSTALL_ROOTS.exec(outer)?.[1];
    if (dir && !/^(?:java|jvm|lib|share|local)$/i.test(dir))
      add({ source: 'jar-scan', ...nameAndVersion(dir), path: outer });
  }
  return [...items.values()];
}
