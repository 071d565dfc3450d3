import path from 'node:path';
import type { AgentVersion, PackageActivity, ParseWarning, UpdatesInfo } from '../types';
import type { RootFs } from '../util/root-fs';
import { laterActivity, parseAptHistory, parseDpkgLog } from './package-logs';

type Parser = (
  text: string,
  file: string,
) => { value: PackageActivity | undefined; warnings: ParseWarning[] };

/** Reads base, base.1, base.2.gz ... in one directory and keeps the latest activity over all. */
async function latestOverRotations(
  fs: RootFs,
  dir: string,
  base: string,
  parse: Parser,
): Promise<PackageActivity | undefined> {
  const rotation = new RegExp(`^${base.replace(/\./g, '\\.')}(\\.\\d+)?(\\.gz)?$`);
  const names = (await fs.readdir(dir))
    .filter((e) => e.isFile() && rotation.test(e.name))
    .map((e) => e.name);
  let latest: PackageActivity | undefined;
  for (const name of names.sort()) {
    const file = path.join(dir, name);
    const text = await fs.readMaybeGzText(file);
    if (text === undefined) continue;
    const parsed = parse(text, file);
    fs.warnings.push(...parsed.warnings);
    latest = laterActivity(latest, parsed.value);
  }
  return latest;
}

const RPM_DIRS = ['/var/lib/rpm', '/usr/lib/sysimage/rpm'];

/** rpm keeps no log: the newest modification time of its database files is when it last changed. */
async function rpmActivity(fs: RootFs): Promise<PackageActivity | undefined> {
  let latest: PackageActivity | undefined;
  for (const dir of RPM_DIRS) {
    for (const entry of await fs.readdir(dir)) {
      if (!entry.isFile() || entry.name.startsWith('__db.') || entry.name.startsWith('.')) continue;
      const file = path.join(dir, entry.name);
      const st = await fs.stat(file);
      if (!st) continue;
      latest = laterActivity(latest, {
        at: st.mtime.toISOString(),
        file,
        detail: `rpm database modified (${entry.name})`,
      });
    }
  }
  return latest;
}

export async function collectUpdates(fs: RootFs, agent?: AgentVersion): Promise<UpdatesInfo> {
  const dpkg = await latestOverRotations(fs, '/var/log', 'dpkg.log', parseDpkgLog);
  const apt = await latestOverRotations(fs, '/var/log/apt', 'history.log', parseAptHistory);
  const rpm = await rpmActivity(fs);
  const lastUpdate = [dpkg, apt, rpm].reduce(laterActivity, undefined);
  return { dpkg, apt, rpm, lastUpdate, agent };
}
