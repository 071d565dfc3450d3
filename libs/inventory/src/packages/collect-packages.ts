import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { InstalledPackage } from '../types';
import type { RootFs } from '../util/root-fs';
import { parseDpkgStatus } from './dpkg-status';
import { parseRpmQa, RPM_QUERY_FORMAT } from './rpm';

const execFileAsync = promisify(execFile);

const DPKG_STATUS = '/var/lib/dpkg/status';
const RPM_BINARIES = ['/usr/bin/rpm', '/bin/rpm'];
const RPM_DB_DIRS = ['/var/lib/rpm', '/usr/lib/sysimage/rpm'];
// rpm -qa on a large host takes about a second; more than this is a stuck database lock.
const RPM_TIMEOUT_MS = 60_000;
const RPM_MAX_OUTPUT = 64 * 1024 * 1024;

/** Runs rpm when this host has one and a database for it. */
export type RpmRunner = () => Promise<string | undefined>;

/**
 * `rpm -qa` when the binary and a database exist on the real root (the rpm database is a
 * Berkeley DB / SQLite / ndb file no Node library reads; rpm itself is the reliable reader).
 */
export function systemRpm(fs: RootFs): RpmRunner {
  return async () => {
    if (fs.root !== '/') return undefined;
    let binary: string | undefined;
    for (const b of RPM_BINARIES) if (await fs.exists(b)) binary = binary ?? b;
    if (!binary) return undefined;
    const hasDb = (await Promise.all(RPM_DB_DIRS.map((d) => fs.readdir(d)))).some(
      (entries) => entries.length > 0,
    );
    if (!hasDb) return undefined;
    try {
      const { stdout } = await execFileAsync(binary, ['-qa', '--queryformat', RPM_QUERY_FORMAT], {
        timeout: RPM_TIMEOUT_MS,
        maxBuffer: RPM_MAX_OUTPUT,
        env: { PATH: '/usr/bin:/bin', LC_ALL: 'C' },
      });
      return stdout;
    } catch (err) {
      fs.warn(binary, `rpm -qa failed: ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    }
  };
}

const byManagerAndName = (a: InstalledPackage, b: InstalledPackage): number =>
  a.manager.localeCompare(b.manager) ||
  (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) ||
  (a.arch < b.arch ? -1 : a.arch > b.arch ? 1 : 0);

/** Installed packages from dpkg's status file and from rpm, sorted by manager and name. */
export async function collectPackages(
  fs: RootFs,
  rpm: RpmRunner = systemRpm(fs),
): Promise<InstalledPackage[]> {
  const packages: InstalledPackage[] = [];
  const dpkg = await fs.readText(DPKG_STATUS);
  if (dpkg !== undefined) {
    const parsed = parseDpkgStatus(dpkg, DPKG_STATUS);
    fs.warnings.push(...parsed.warnings);
    packages.push(...parsed.value);
  }
  const rpmOutput = await rpm();
  if (rpmOutput !== undefined) {
    const parsed = parseRpmQa(rpmOutput);
    fs.warnings.push(...parsed.warnings);
    packages.push(...parsed.value);
  }
  return packages.sort(byManagerAndName);
}
