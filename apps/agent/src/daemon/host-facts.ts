import { promises as fsp } from 'node:fs';
import os from 'node:os';
import { PROTOCOL_LIMITS as L, type HostFacts } from '@log4fleet/contracts';
import { truncateUtf8 } from './scan-mapping';

/** A fact within agent.proto's limits: the controller refuses an enrollment or hello over them. */
const fact = (value: string, maxBytes: number = L.factBytes): string =>
  truncateUtf8(value, maxBytes);

/** Facts the controller identifies and inventories the host by. Never throws. */
export async function collectHostFacts(env: NodeJS.ProcessEnv = process.env): Promise<HostFacts> {
  // Overrides for containers that share or lack /etc/machine-id, and for tests that run
  // several agents on one machine: the controller tells hosts apart by machine id.
  const hostname = env['LOG4FLEET_HOSTNAME'] || os.hostname();
  const machineId = env['LOG4FLEET_MACHINE_ID'] || (await readText('/etc/machine-id'));
  const osRelease = parseOsRelease(await readText('/etc/os-release'));
  return {
    hostname: fact(hostname),
    fqdn: fact(await resolveFqdn(hostname)),
    machineId: fact(machineId.trim(), L.machineIdBytes),
    osName: fact(osRelease['NAME'] ?? os.type()),
    osVersion: fact(osRelease['VERSION_ID'] ?? osRelease['VERSION'] ?? ''),
    kernel: fact(os.release()),
    arch: fact(os.arch(), L.versionBytes),
    addresses: interfaceAddresses(),
  };
}

/** KEY=value lines of os-release(5), quotes removed. */
export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (!match) continue;
    out[match[1]] = match[2].replace(/^(["'])(.*)\1$/, '$2');
  }
  return out;
}

function interfaceAddresses(): string[] {
  const out: string[] = [];
  for (const infos of Object.values(os.networkInterfaces())) {
    for (const info of infos ?? []) {
      if (!info.internal) out.push(fact(info.address, L.addressBytes));
    }
  }
  return out.slice(0, L.addresses);
}

async function resolveFqdn(hostname: string): Promise<string> {
  if (hostname.includes('.')) return hostname;
  // From /etc/hosts only: a DNS query could leave the host or hang on a broken resolver.
  return fqdnFromHosts(await readText('/etc/hosts'), hostname) ?? hostname;
}

/** The first dotted name on an /etc/hosts line that also names `hostname`. */
export function fqdnFromHosts(hostsText: string, hostname: string): string | undefined {
  for (const line of hostsText.split('\n')) {
    const names = line.replace(/#.*/, '').trim().split(/\s+/).slice(1);
    if (!names.includes(hostname)) continue;
    const dotted = names.find((n) => n.startsWith(`${hostname}.`));
    if (dotted) return dotted;
  }
  return undefined;
}

async function readText(file: string): Promise<string> {
  try {
    return await fsp.readFile(file, 'utf8');
  } catch {
    return '';
  }
}
