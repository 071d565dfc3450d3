import { decodeLayers } from '../decode/layers';
import { DEFAULT_RESOLVE_LIMITS, resolveLookups, type ResolveLimits } from '../resolve/lookups';
import type { LineHit } from '../types';
import { parseJndiName } from './target';
import { findTrace } from './traces';

export interface AnalyzeOptions {
  resolve?: ResolveLimits;
  /** Characters of decoded text kept in a hit (default 4096). */
  maxDecodedChars?: number;
}

/** Every encoding of `$` starts with one of these: `$`, `%24`/`%25..`, `\u0024`/`\x24`/`\44`, `&#36;`/`&dollar;`. */
const LOOKUP_CHARS = /[$%\\&]/;

function cap(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}

/**
 * Everything the detector finds in one line: JNDI lookups to remote protocols (after decoding
 * and resolving), CVE-2021-45105 recursion strings, nesting beyond the resolver's bounds, and
 * the traces of lookups that ran.
 */
export function analyzeLine(line: string, opts: AnalyzeOptions = {}): LineHit[] {
  const max = opts.maxDecodedChars ?? 4096;
  const hits: LineHit[] = [];
  if (LOOKUP_CHARS.test(line)) {
    const decoded = decodeLayers(line);
    if (decoded.text.includes('${')) {
      const res = resolveLookups(decoded.text, opts.resolve ?? DEFAULT_RESOLVE_LIMITS);
      const obfuscation = [...decoded.families, ...res.families];
      const seen = new Set<string>();
      for (const name of res.jndi) {
        const parsed = parseJndiName(name);
        if (!parsed.remote || !parsed.target) continue;
        const decodedForm = `\${jndi:${name}}`;
        if (seen.has(decodedForm)) continue;
        seen.add(decodedForm);
        const t = parsed.target;
        const family = [...obfuscation];
        if (/[A-Z]/.test(name.slice(0, name.indexOf(':'))) && !family.includes('case'))
          family.push('case');
        hits.push({
          kind: 'jndi',
          confidence: 'high',
          decoded: cap(decodedForm, max),
          target: t,
          exfiltrates: parsed.exfiltrates,
          obfuscation: family,
          cves: t.bypass ? ['CVE-2021-44228', 'CVE-2021-45046'] : ['CVE-2021-44228'],
          message: `JNDI lookup to ${t.protocol}://${t.host}${t.port !== undefined ? `:${t.port}` : ''}${
            parsed.exfiltrates.length > 0
              ? `, exfiltrating ${parsed.exfiltrates.map((e) => e.expression).join(' ')}`
              : ''
          }${t.bypass ? ' (127.0.0.1#host form, CVE-2021-45046)' : ''}`,
        });
      }
      if (res.escapeInLookup) {
        hits.push({
          kind: 'recursion',
          confidence: 'high',
          decoded: cap(res.output, max),
          exfiltrates: [],
          obfuscation,
          cves: ['CVE-2021-45105'],
          message:
            'recursive lookup string ($${ escape inside a lookup): CVE-2021-45105 denial of service',
        });
      }
      if (res.depthExceeded || res.budgetExceeded) {
        hits.push({
          kind: 'nesting',
          confidence: 'high',
          decoded: cap(res.output, max),
          exfiltrates: [],
          obfuscation,
          cves: ['CVE-2021-45105'],
          message: res.depthExceeded
            ? 'lookups nested deeper than the detector resolves: evasion or a recursion (DoS) string'
            : 'lookups that cost more to resolve than any real log line: evasion or a recursion (DoS) string',
        });
      }
    }
  }
  const trace = findTrace(line);
  if (trace) {
    const parsed = trace.jndiName?.includes('://') ? parseJndiName(trace.jndiName) : undefined;
    hits.push({
      kind: 'trace',
      confidence: trace.confidence,
      trace: trace.trace,
      decoded: cap(trace.text, max),
      ...(parsed?.target ? { target: parsed.target } : {}),
      exfiltrates: parsed?.exfiltrates ?? [],
      obfuscation: [],
      cves: trace.trace === 'recursion-error' ? ['CVE-2021-45105'] : [],
      message: trace.message,
    });
  }
  return hits;
}
