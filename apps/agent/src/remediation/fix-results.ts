import {
  FIX_LIMITS,
  FixResults,
  KindResults,
  PROTOCOL_LIMITS,
  RestoreResults,
  type FileFix,
  type FileRestore,
} from '@log4fleet/contracts';
import type { FixResult, RestoreResult } from '@log4fleet/remediation';
import type { Finding } from '@log4fleet/scanner';
import { truncateUtf8 } from '../daemon/scan-mapping';

const text = (s: string | undefined): string => truncateUtf8(s ?? '', FIX_LIMITS.textBytes);
const list = <T>(items: readonly T[]): T[] => items.slice(0, FIX_LIMITS.listItems);

/** The bytes a command's path arrived as, read as the UTF-8 path the library works with. */
export function pathFromWire(bytes: Uint8Array, field: string): string {
  const buf = Buffer.from(bytes);
  const s = buf.toString('utf8');
  if (!Buffer.from(s, 'utf8').equals(buf))
    throw new Error(
      `${field}: path ${JSON.stringify(s)} is not valid UTF-8, which fix does not handle`,
    );
  if (buf.length === 0 || buf.length > FIX_LIMITS.pathBytes || buf.includes(0))
    throw new Error(`${field}: a path must be 1 to ${FIX_LIMITS.pathBytes} bytes without NUL`);
  if (!s.startsWith('/')) throw new Error(`${field}: path ${JSON.stringify(s)} is not absolute`);
  return s;
}

export function checkPaths(paths: readonly Uint8Array[], kind: string): string[] {
  if (paths.length === 0) throw new Error(`${kind}: no path given`);
  if (paths.length > FIX_LIMITS.paths)
    throw new Error(`${kind}: ${paths.length} paths, more than the ${FIX_LIMITS.paths} allowed`);
  return paths.map((p, i) => pathFromWire(p, `${kind}.paths[${i}]`));
}

function afterOf(r: FixResult, path: string, root: string): Finding | undefined {
  return r.after?.find((f) => f.path === path && f.packageRoot === root);
}

export function toFileFix(r: FixResult): FileFix {
  return {
    path: text(r.path),
    target: text(r.target),
    outcome: r.outcome,
    message: text(r.message),
    copies: list(r.copies).map((c) => {
      const after = r.outcome === 'fixed' ? afterOf(r, c.path, c.packageRoot) : undefined;
      return {
        path: text(c.path),
        packageRoot: text(c.packageRoot),
        product: c.product,
        version: text(c.version),
        statusBefore: c.status,
        cvesBefore: c.cves,
        statusAfter: after?.status ?? '',
        cvesAfter: after?.cves ?? [],
        action: c.action,
        refusalCode: c.refusal?.code ?? '',
        refusalReason: text(c.refusal?.reason),
      };
    }),
    removed: list(r.removed).map(text),
    signaturesStripped: list(r.signaturesStripped).map(text),
    sha256Before: r.sha256Before ?? '',
    sha256After: r.sha256After ?? '',
    restartNeeded: list(r.restartNeeded).map((h) => ({
      pid: h.pid,
      command: text(h.command),
      via: h.via,
    })),
  };
}

export function toFileRestore(r: RestoreResult): FileRestore {
  return {
    path: text(r.path),
    target: text(r.target),
    outcome: r.outcome,
    message: text(r.message),
    fixCommandId: r.operationId ?? '',
    sha256: r.sha256 ?? '',
  };
}

/** Files packed into parts that each fit a chunk (PROTOCOL_LIMITS.kindResultsBytes). */
function pack<T>(items: readonly T[], wrap: (items: T[]) => KindResults): KindResults[] {
  const parts: KindResults[] = [];
  let current: T[] = [];
  const size = (xs: T[]): number => KindResults.encode(wrap(xs)).finish().length;
  for (const item of items) {
    if (current.length > 0 && size([...current, item]) > PROTOCOL_LIMITS.kindResultsBytes) {
      parts.push(wrap(current));
      current = [];
    }
    current.push(item);
  }
  parts.push(wrap(current));
  return parts;
}

export function fixParts(results: readonly FixResult[]): KindResults[] {
  return pack(results.map(toFileFix), (files) => ({
    kind: { $case: 'fix', value: FixResults.fromPartial({ files }) },
  }));
}

export function restoreParts(results: readonly RestoreResult[]): KindResults[] {
  return pack(results.map(toFileRestore), (files) => ({
    kind: { $case: 'restore', value: RestoreResults.fromPartial({ files }) },
  }));
}
