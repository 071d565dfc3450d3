import type { DefaultRoute, Parsed, ParseWarning } from '../types';
import { numberedLines } from '../util/lines';
import { decodeProcAddress } from './proc-net';

const RTF_UP = 0x1;

/** Default routes (destination 0.0.0.0/0, up) from /proc/net/route. */
export function parseDefaultRoutes(text: string, file = '/proc/net/route'): Parsed<DefaultRoute[]> {
  const value: DefaultRoute[] = [];
  const warnings: ParseWarning[] = [];
  for (const { line, text: t } of numberedLines(text)) {
    const f = t.trim().split(/\s+/);
    if (line === 1 && f[0] === 'Iface') continue;
    if (f.length === 1 && f[0] === '') continue;
    const destination = decodeProcAddress(f[1] ?? '');
    const gateway = decodeProcAddress(f[2] ?? '');
    const flags = parseInt(f[3] ?? '', 16);
    const metric = Number(f[6]);
    const mask = decodeProcAddress(f[7] ?? '');
    if (
      f.length < 8 ||
      !destination ||
      !gateway ||
      !mask ||
      Number.isNaN(flags) ||
      !Number.isInteger(metric)
    ) {
      warnings.push({ file, line, message: 'not a route table row' });
      continue;
    }
    if (destination !== '0.0.0.0' || mask !== '0.0.0.0' || (flags & RTF_UP) === 0) continue;
    value.push({ iface: f[0], gateway, metric });
  }
  value.sort((a, b) => a.metric - b.metric);
  return { value, warnings };
}
