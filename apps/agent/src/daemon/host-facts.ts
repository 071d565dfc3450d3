import { promises as fsp } from 'node:fs';
import os from 'node:os';
import { PROTOCOL_LIMITS as L, type HostFacts } from '@log4fleet/contracts';
import { truncateUtf8 } from './scan-mapping';

/** A fact within agent.proto's limits: the controller refuses an enrollment or hello over them. */
const fact = (value: string, maxBytes: number = L.factBytes): string =>
  truncateUtf8(value, maxBytes);

/** What `enroll --instance` accepts: short, and safe inside a machine id and a hostname. */
const INSTANCE_NAME = /^[a-z0-9][a-z0-9-]{0,23}$/;

/** The name of `enroll --instance`, checked; throws naming the input. */
export function parseInstanceName(input: string): string {
  if (!INSTANCE_NAME.test(input))
    throw new Error(
      `bad --instance "${input}": expected 1-24 lowercase letters, digits or dashes, starting with a letter or digit`,
    );
  return input;
}

/**
 * Facts the controller identifies and inventories the host by. Never throws.
 *
 * The controller tells hosts apart by machine id. `instance` (enroll --instance, kept in the
 * state directory) makes one more agent of this machine its own host: "<machine id>/<instance>",
 * hostname "<hostname>/<instance>". LOG4FLEET_MACHINE_ID and LOG4FLEET_HOSTNAME replace the
 * machine's own values, for containers that share or lack /etc/machine-id.
 */
export async function collectHostFacts(
  env: NodeJS.ProcessEnv = process.env,
  instance?: string,
): Promise<HostFacts> {
  const suffix = instance ? `/${instance}` : '';
  const hostname = env['LOG4FLEET_HOSTNAME'] || os.hostname();
  const machineId = (env['LOG4FLEET_MACHINE_ID'] || (await readText('/etc/machine-id'))).trim();
  const osRelease = parseOsRelease(await readText('/etc/os-release'));
  // The suffix is kept whole: cut, an instance would present its machine's own id.
  const keep = (value: string, maxBytes: number) =>
    fact(value, maxBytes - Buffer.byteLength(suffix)) + suffix;
  return {
    hostname: keep(hostname, L.factBytes),
    // The machine's name in DNS: an instance is reached at the same address.
    fqdn: fact(await resolveFqdn(hostname)),
    machineId: keep(machineId, L.machineIdBytes),
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
