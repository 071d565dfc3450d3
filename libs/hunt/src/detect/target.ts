import { foldName } from '../decode/fold';
import { matchBraces } from '../resolve/lookups';
import type { CallbackTarget, Exfiltration } from '../types';

/** JNDI URL schemes that reach out of the JVM (the JDK's providers, the CORBA/NIS/NDS ones, HTTP codebases). */
export const REMOTE_PROTOCOLS: ReadonlySet<string> = new Set([
  'ldap',
  'ldaps',
  'rmi',
  'dns',
  'iiop',
  'iiopname',
  'corba',
  'corbaname',
  'nds',
  'nis',
  'http',
  'https',
]);

export interface ParsedJndiName {
  /** True when the name calls out of the JVM (a remote protocol, or one the string hides). */
  remote: boolean;
  target?: CallbackTarget;
  exfiltrates: Exfiltration[];
}

interface Piece {
  start: number;
  end: number;
}

/** Outermost `${...}` spans of a text (what stayed unresolved: values only the victim knows). */
function outerLookups(text: string): Piece[] {
  const close = matchBraces(text);
  const out: Piece[] = [];
  for (let i = 0; i < text.length; i++) {
    if (close[i] >= 0) {
      out.push({ start: i, end: close[i] + 1 });
      i = close[i];
    }
  }
  return out;
}

function exfiltrationsIn(text: string, where: Exfiltration['where']): Exfiltration[] {
  return outerLookups(text).map(({ start, end }) => {
    const expression = text.slice(start, end);
    const inner = expression.slice(2, -1);
    const colon = inner.indexOf(':');
    const delim = inner.indexOf(':-');
    const body = delim >= 0 ? inner.slice(0, delim) : inner;
    return colon >= 0 && colon === body.indexOf(':')
      ? { expression, lookup: foldName(body.slice(0, colon)), name: body.slice(colon + 1), where }
      : { expression, lookup: '', name: body, where };
  });
}

/** Replaces each outermost `${...}` by a same-length run of `x`, so `:`, `/`, `#` inside them do not split the URL. */
function masked(text: string): string {
  let out = '';
  let i = 0;
  for (const { start, end } of outerLookups(text)) {
    out += text.slice(i, start) + 'x'.repeat(end - start);
    i = end;
  }
  return out + text.slice(i);
}

/** Host names compare case-insensitively; the `${...}` they carry keep their spelling. */
function foldOutsideLookups(text: string): string {
  let out = '';
  let i = 0;
  for (const { start, end } of outerLookups(text)) {
    out += foldName(text.slice(i, start)) + text.slice(start, end);
    i = end;
  }
  return out + foldName(text.slice(i));
}

/** The host without leading `${...}`-carrying labels: `${env:USER}.x.evil.com` groups as `x.evil.com`. */
function infrastructure(host: string): string {
  const last = host.lastIndexOf('}');
  const rest = last >= 0 ? host.slice(last + 1).replace(/^[.\-_]+/, '') : host;
  return rest || host;
}

/**
 * What follows `jndi:` in a lookup: `ldap://evil.com:1389/a`, `rmi://1.2.3.4/x`,
 * `ldap://127.0.0.1#evil.com:1389/a` (CVE-2021-45046). `java:comp/env/jdbc/ds` and
 * scheme-less names stay inside the JVM and are not remote.
 */
export function parseJndiName(name: string): ParsedJndiName {
  const m = masked(name);
  const colon = m.indexOf(':');
  const rawProtocol = colon >= 0 ? name.slice(0, colon) : '';
  const protocol = foldName(rawProtocol);
  const hiddenProtocol = rawProtocol.includes('${');
  const rest = colon >= 0 ? m.slice(colon + 1) : m;
  const looksLikeUrl = rest.startsWith('//');
  const remote =
    REMOTE_PROTOCOLS.has(protocol) || (looksLikeUrl && protocol !== 'java') || hiddenProtocol;
  if (!remote) return { remote: false, exfiltrates: [] };

  const offset = colon + 1;
  const authStart = offset + (rest.startsWith('//') ? 2 : rest.startsWith('/') ? 1 : 0);
  let authEnd = m.length;
  for (const sep of ['/', '?']) {
    const k = m.indexOf(sep, authStart);
    if (k >= 0 && k < authEnd) authEnd = k;
  }
  const authority = name.slice(authStart, authEnd);
  const maskedAuthority = m.slice(authStart, authEnd);
  const path = name.slice(authEnd);
  const portMatch = /:(\d{1,5})$/.exec(maskedAuthority);
  const port = portMatch ? Number(portMatch[1]) : undefined;
  const hostRaw = portMatch
    ? authority.slice(0, authority.length - portMatch[0].length)
    : authority;
  const host = foldOutsideLookups(hostRaw);
  const hash = masked(host).indexOf('#');
  const target: CallbackTarget = {
    protocol: hiddenProtocol ? rawProtocol : protocol,
    host,
    ...(port !== undefined && port <= 65535 ? { port } : {}),
    path,
    callbackHost: infrastructure(hash >= 0 ? host.slice(hash + 1) : host),
    ...(hash >= 0 ? { bypass: 'hash-host' as const } : {}),
  };
  return {
    remote: true,
    target,
    exfiltrates: [
      ...(hiddenProtocol ? exfiltrationsIn(rawProtocol, 'protocol') : []),
      ...exfiltrationsIn(hostRaw, 'host'),
      ...exfiltrationsIn(path, 'path'),
    ],
  };
}
