import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { IndicatorRef } from '../types';

/**
 * An indicator set in Fenrir's layout: a directory with hash-iocs.txt (`HASH;description`,
 * MD5/SHA-1/SHA-256), string-iocs.txt (one string per line), filename-iocs.txt (a path
 * substring or glob per line: `*`, `**`, `?`; Fenrir's regular expressions are not taken, an
 * admin's regex could take exponential time on a hostile path) and c2-iocs.txt (IP addresses
 * or domains). `#` starts a comment line; `;description` may follow any value.
 */
export interface IndicatorSet {
  hashes: IndicatorRef[];
  strings: IndicatorRef[];
  filenames: IndicatorRef[];
  c2: IndicatorRef[];
}

export const INDICATOR_FILES: Record<keyof IndicatorSet, string> = {
  hashes: 'hash-iocs.txt',
  strings: 'string-iocs.txt',
  filenames: 'filename-iocs.txt',
  c2: 'c2-iocs.txt',
};

const TYPE: Record<keyof IndicatorSet, IndicatorRef['type']> = {
  hashes: 'hash',
  strings: 'string',
  filenames: 'filename',
  c2: 'c2',
};

export interface ParsedIndicators {
  value: IndicatorRef[];
  warnings: string[];
}

/** Bounds: an indicator set is a few thousand lines; longer values are refused, named. */
export const MAX_INDICATORS = 100_000;
export const MAX_INDICATOR_CHARS = 1024;

export function parseIndicatorFile(
  kind: keyof IndicatorSet,
  text: string,
  source = INDICATOR_FILES[kind],
): ParsedIndicators {
  const value: IndicatorRef[] = [];
  const warnings: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const semi = kind === 'strings' ? -1 : line.indexOf(';');
    const v = (semi >= 0 ? line.slice(0, semi) : line).trim();
    const description = semi >= 0 ? line.slice(semi + 1).trim() : undefined;
    const where = `${source} line ${i + 1}`;
    if (v.length > MAX_INDICATOR_CHARS)
      return void warnings.push(`${where}: longer than ${MAX_INDICATOR_CHARS} characters, ignored`);
    if (kind === 'hashes' && !/^(?:[0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{64})$/i.test(v))
      return void warnings.push(
        `${where}: not an MD5, SHA-1 or SHA-256 hash: ${JSON.stringify(v)}`,
      );
    if (value.length >= MAX_INDICATORS)
      return void warnings.push(`${where}: more than ${MAX_INDICATORS} indicators, ignored`);
    value.push({
      type: TYPE[kind],
      value: kind === 'hashes' || kind === 'c2' ? v.toLowerCase() : v,
      ...(description ? { description } : {}),
    });
  });
  return { value, warnings };
}

/** Reads the files of an indicator directory that exist; a directory with none of them is an error. */
export async function loadIndicatorDir(
  dir: string,
): Promise<{ set: IndicatorSet; warnings: string[] }> {
  const set: IndicatorSet = { hashes: [], strings: [], filenames: [], c2: [] };
  const warnings: string[] = [];
  let found = 0;
  for (const kind of Object.keys(INDICATOR_FILES) as Array<keyof IndicatorSet>) {
    const file = path.join(dir, INDICATOR_FILES[kind]);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw new Error(`cannot read indicator file ${file}: ${(err as Error).message}`);
    }
    found++;
    const parsed = parseIndicatorFile(kind, text, file);
    set[kind] = parsed.value;
    warnings.push(...parsed.warnings);
  }
  if (found === 0)
    throw new Error(
      `indicator directory ${dir} holds none of ${Object.values(INDICATOR_FILES).join(', ')}`,
    );
  return { set, warnings };
}

/** Glob match in O(path × pattern) (the classic two-pointer walk), `*` within a segment, `**` across. */
export function globMatch(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let starP = -1;
  let starT = -1;
  let deep = false;
  while (t < text.length) {
    if (p < pattern.length && pattern[p] === '*') {
      deep = pattern[p + 1] === '*';
      p += deep ? 2 : 1;
      starP = p;
      starT = t;
    } else if (
      p < pattern.length &&
      (pattern[p] === '?' ? text[t] !== '/' : pattern[p] === text[t])
    ) {
      p++;
      t++;
    } else if (starP >= 0 && (deep || text[starT] !== '/')) {
      starT++;
      t = starT;
      p = starP;
    } else {
      return false;
    }
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}

/** Matches one indicator set against log lines, callback hosts, addresses, paths and file hashes. */
export class IndicatorMatcher {
  private readonly hashes = new Map<string, IndicatorRef>();
  private readonly c2 = new Map<string, IndicatorRef>();

  constructor(private readonly set: IndicatorSet) {
    for (const h of set.hashes) this.hashes.set(h.value, h);
    for (const c of set.c2) this.c2.set(c.value, c);
  }

  get hasHashes(): boolean {
    return this.hashes.size > 0;
  }

  /** Byte strings the line scanner must look for. */
  needles(): string[] {
    return [...this.set.strings.map((s) => s.value), ...this.set.c2.map((c) => c.value)];
  }

  matchLine(line: string): IndicatorRef[] {
    const out = this.set.strings.filter((s) => line.includes(s.value));
    if (this.c2.size > 0) {
      const lower = line.toLowerCase();
      for (const c of this.set.c2) if (lower.includes(c.value)) out.push(c);
    }
    return out;
  }

  /** A callback host or a peer address: equal to a C2 entry, or a subdomain of one. */
  matchHost(host: string): IndicatorRef | undefined {
    let h = host.toLowerCase().replace(/^\[|\]$/g, '');
    for (;;) {
      const hit = this.c2.get(h);
      if (hit) return hit;
      const dot = h.indexOf('.');
      if (dot < 0) return undefined;
      h = h.slice(dot + 1);
    }
  }

  matchPath(file: string): IndicatorRef[] {
    return this.set.filenames.filter((f) =>
      /[*?]/.test(f.value) ? globMatch(f.value, file) : file.includes(f.value),
    );
  }

  matchHash(digests: FileDigests): IndicatorRef | undefined {
    return (
      this.hashes.get(digests.md5) ??
      this.hashes.get(digests.sha1) ??
      this.hashes.get(digests.sha256)
    );
  }
}

export interface FileDigests {
  md5: string;
  sha1: string;
  sha256: string;
}

/** MD5, SHA-1 and SHA-256 of a file in one streaming read; undefined above maxBytes. */
export async function digestFile(
  file: string,
  size: number,
  maxBytes: number,
): Promise<FileDigests | undefined> {
  if (size > maxBytes) return undefined;
  const md5 = createHash('md5');
  const sha1 = createHash('sha1');
  const sha256 = createHash('sha256');
  for await (const chunk of createReadStream(file, {
    highWaterMark: 1024 * 1024,
  }) as AsyncIterable<Buffer>) {
    md5.update(chunk);
    sha1.update(chunk);
    sha256.update(chunk);
  }
  return { md5: md5.digest('hex'), sha1: sha1.digest('hex'), sha256: sha256.digest('hex') };
}
