import { createHash } from 'node:crypto';
import { replaceTransaction, TABLE, type Ruleset } from './ruleset';

/**
 * A table as comparable lines: chains with hook, priority and policy, then each chain's rules
 * in order, with handles dropped and anonymous sets sorted (nft prints `{ b, a }` as
 * `{ a, b }` and a one-element set as its element). What was meant and what was read back go
 * through the same function, so any difference is a real one.
 */
export interface CanonicalTable {
  lines: string[];
  hash: string;
}

/** The canonical form of `nft -j list table inet log4fleet` output; null when it holds no table. */
export function canonicalFromListing(listing: unknown): CanonicalTable | null {
  const items = listingItems(listing);
  if (!items.some((i) => 'table' in i)) return null;
  const chains: string[] = [];
  const rules = new Map<string, string[]>();
  const others: string[] = [];
  for (const item of items) {
    const [kind, body] = Object.entries(item)[0] ?? [];
    if (kind === undefined || kind === 'metainfo' || kind === 'table') continue;
    const obj = normalize(body) as Record<string, unknown>;
    if (kind === 'chain') {
      const { name, type, hook, prio, policy } = obj;
      chains.push(
        `chain ${str(name)} type=${str(type)} hook=${str(hook)} prio=${str(prio)} policy=${str(policy)}`,
      );
    } else if (kind === 'rule') {
      const chain = str(obj['chain']);
      const line = `rule ${chain} ${stable(obj['expr'])} comment=${JSON.stringify(obj['comment'] ?? '')}`;
      rules.set(chain, [...(rules.get(chain) ?? []), line]);
    } else {
      others.push(`${kind} ${stable(obj)}`);
    }
  }
  chains.sort();
  const lines = [...chains];
  for (const chain of [...rules.keys()].sort()) lines.push(...(rules.get(chain) ?? []));
  lines.push(...others.sort());
  return { lines, hash: hashLines(lines) };
}

/** The canonical form of what we mean to apply. */
export function canonicalFromRuleset(ruleset: Ruleset): CanonicalTable {
  const adds = replaceTransaction(ruleset)
    .nftables.slice(2)
    .map((c) => (c as { add: Record<string, unknown> }).add);
  const table = canonicalFromListing({ nftables: adds });
  if (!table) throw new Error('internal: a ruleset without its table');
  return table;
}

/** Lines that differ, for a failure reason a human can act on (at most `max`). */
export function diffLines(expected: string[], found: string[], max = 6): string {
  const missing = expected.filter((l) => !found.includes(l)).map((l) => `missing: ${l}`);
  const extra = found.filter((l) => !expected.includes(l)).map((l) => `unexpected: ${l}`);
  const all = [...missing, ...extra];
  if (all.length === 0)
    return expected.length === found.length ? 'same lines' : 'rules in another order or repeated';
  return all.slice(0, max).join('; ') + (all.length > max ? `; ${all.length - max} more` : '');
}

function listingItems(listing: unknown): Record<string, unknown>[] {
  const items = (listing as { nftables?: unknown } | null)?.nftables;
  if (!Array.isArray(items)) return [];
  return (items as unknown[]).filter((i): i is Record<string, unknown> => {
    if (typeof i !== 'object' || i === null) return false;
    const body = Object.values(i as Record<string, unknown>)[0] as
      { table?: unknown; family?: unknown; name?: unknown } | undefined;
    if ('table' in i) return body?.family === TABLE.family && body?.name === TABLE.name;
    return 'metainfo' in i || (body?.family === TABLE.family && body?.table === TABLE.name);
  });
}

function normalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalize);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    if (key === 'handle' || key === 'family' || key === 'table') continue;
    if (key === 'set' && Array.isArray(inner)) {
      const elems = inner.map(normalize).sort((a, b) => stable(a).localeCompare(stable(b)));
      if (elems.length === 1) return elems[0];
      out[key] = elems;
      continue;
    }
    out[key] = normalize(inner);
  }
  return out;
}

function stable(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stable).join(',')}]`;
  if (typeof value !== 'object' || value === null) return JSON.stringify(value);
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${stable((value as Record<string, unknown>)[k])}`).join(',')}}`;
}

function str(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : stable(value);
}

function hashLines(lines: string[]): string {
  return 'sha256:' + createHash('sha256').update(lines.join('\n')).digest('hex');
}
