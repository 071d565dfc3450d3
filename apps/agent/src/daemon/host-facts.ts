import { promises as fsp } from 'node:fs';
import os from 'node:os';
import type { HostFacts } from '@log4fleet/contracts';

const MAX_ADDRESSES = 64;
const MAX_MACHINE_ID_BYTES = 64;

/** Facts the controller identifies and inventories the host by. Never throws. */
export async function collectHostFacts(env: NodeJS.ProcessEnv = process.env): Promise<HostFacts> {
  // Overrides for containers that share or lack /etc/machine-id, and for tests that run
  // several agents on one machine: the controller tells hosts apart by machine id.
  const hostname = env['LOG4FLEET_HOSTNAME'] || os.hostname();
  const machineId = env['LOG4FLEET_MACHINE_ID'] || (await readText('/etc/machine-id'));
  const osRelease = parseOsRelease(await readText('/etc/os-release'));
  return {
    hostname,
    fqdn: await resolveFqdn(hostname),
    machineId: machineId.trim().slice(0, MAX_MACHINE_ID_BYTES),
    osName: osRelease['NAME'] ?? os.type(),
    osVersion: osRelease['VERSION_ID'] ?? osRelease['VERSION'] ?? '',
    kernel: os.release(),
    arch: os.arch(),
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
      if (!info.internal) out.push(info.address);
    }
  }
  return out.slice(0, MAX_ADDRESSES);
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
