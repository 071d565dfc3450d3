import { isIP } from 'node:net';
import type { Parsed, ParseWarning } from '../types';
import { numberedLines } from '../util/lines';

export interface HostsEntry {
  address: string;
  names: string[];
  line: number;
}

/** Parses hosts(5): an address followed by a canonical name and aliases; `#` starts a comment. */
export function parseHosts(text: string, file = '/etc/hosts'): Parsed<HostsEntry[]> {
  const value: HostsEntry[] = [];
  const warnings: ParseWarning[] = [];
  for (const { line, text: t } of numberedLines(text)) {
    const fields = t.replace(/#.*/, '').trim().split(/\s+/).filter(Boolean);
    if (fields.length === 0) continue;
    const [address, ...names] = fields;
    if (isIP(address) === 0 || names.length === 0) {
      warnings.push({
        file,
        line,
        message: 'expected an IP address followed by at least one name',
      });
      continue;
    }
    value.push({ address, names, line });
  }
  return { value, warnings };
}

/** The first line of /etc/hostname, as hostname(1) would set it. */
export function parseHostname(text: string): string | undefined {
  const first = numberedLines(text)
    .map((l) => l.text.replace(/#.*/, '').trim())
    .find((t) => t !== '');
  return first;
}

/**
 * The FQDN as `hostname -f` would report it from files alone: the canonical (first) name of the
 * first hosts line that lists the host name, when it contains a dot; else the first dotted alias
 * that starts with the host name. A host name that is already dotted is its own FQDN.
 */
export function resolveFqdn(hostname: string, hosts: HostsEntry[]): string | undefined {
  if (hostname.includes('.')) return hostname;
  const short = hostname.toLowerCase();
  for (const entry of hosts) {
    const lower = entry.names.map((n) => n.toLowerCase());
    const listed = lower.some((n) => n === short || n.startsWith(`${short}.`));
    if (!listed) continue;
    if (entry.names[0].includes('.')) return entry.names[0];
    const dotted = entry.names.find((n) => n.toLowerCase().startsWith(`${short}.`));
    if (dotted) return dotted;
  }
  return undefined;
}
