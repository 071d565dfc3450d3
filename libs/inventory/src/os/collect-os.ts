import os from 'node:os';
import type { OsInfo, ParseWarning } from '../types';
import type { RootFs } from '../util/root-fs';
import { parseHostname, parseHosts, resolveFqdn } from './hosts';
import { parseOsRelease } from './os-release';
import { parseBootTime, parseMachineId, parseUptime } from './proc-misc';

function keep(warnings: ParseWarning[], parsed: { warnings: ParseWarning[] }): void {
  warnings.push(...parsed.warnings);
}

async function readOsRelease(fs: RootFs): Promise<Record<string, string>> {
  // os-release(5): /etc/os-release wins, /usr/lib/os-release is the fallback.
  for (const file of ['/etc/os-release', '/usr/lib/os-release']) {
    const text = await fs.readText(file);
    if (text === undefined) continue;
    const parsed = parseOsRelease(text, file);
    keep(fs.warnings, parsed);
    return parsed.value;
  }
  return {};
}

async function readHostname(fs: RootFs): Promise<string> {
  const fromFile = await fs.readText('/etc/hostname');
  const fromProc = await fs.readText('/proc/sys/kernel/hostname');
  return (
    (fromFile !== undefined ? parseHostname(fromFile) : undefined) ??
    (fromProc !== undefined ? parseHostname(fromProc) : undefined) ??
    os.hostname()
  );
}

export async function collectOs(fs: RootFs): Promise<OsInfo> {
  const release = await readOsRelease(fs);
  const hostname = await readHostname(fs);
  const hostsText = await fs.readText('/etc/hosts');
  const hosts = hostsText !== undefined ? parseHosts(hostsText) : { value: [], warnings: [] };
  keep(fs.warnings, hosts);

  const machineIdText = await fs.readText('/etc/machine-id');
  const machineId = machineIdText !== undefined ? parseMachineId(machineIdText) : undefined;
  if (machineId) keep(fs.warnings, machineId);

  const uptimeText = await fs.readText('/proc/uptime');
  const uptime = uptimeText !== undefined ? parseUptime(uptimeText) : undefined;
  if (uptime) keep(fs.warnings, uptime);

  const statText = await fs.readText('/proc/stat');
  const btime = statText !== undefined ? parseBootTime(statText) : undefined;
  const kernel = (await fs.readText('/proc/sys/kernel/osrelease'))?.trim() || os.release();

  return {
    name: release.NAME,
    version: release.VERSION,
    versionId: release.VERSION_ID,
    id: release.ID,
    idLike: release.ID_LIKE?.split(/\s+/).filter(Boolean),
    prettyName: release.PRETTY_NAME,
    kernel,
    arch: os.machine(),
    hostname,
    fqdn: resolveFqdn(hostname, hosts.value),
    machineId: machineId?.value,
    uptimeSeconds: uptime?.value,
    bootTime: btime !== undefined ? new Date(btime * 1000).toISOString() : undefined,
  };
}
