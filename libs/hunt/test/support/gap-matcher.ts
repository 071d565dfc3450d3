/**
 * A model of the best single tool the issue describes, written from that description only:
 * URL-decode, base64-decode what looks like base64, then look for the letters of
 * `${jndi:<protocol>:` in order, case-insensitively, with at most 40 characters between two
 * letters. The corpus tests use it to show which families that approach misses or misflags.
 */
const PATTERNS = [
  'ldap:',
  'ldaps:/',
  'rmi:/',
  'dns:/',
  'nis:/',
  'nds:/',
  'corba:/',
  'iiop:/',
  'http:/',
].map((p) => `\${jndi:${p}`);
const MAX_GAP = 40;

function urlDecode(s: string): string {
  for (let i = 0; i < 8; i++) {
    const next = s.replace(/%([0-9a-fA-F]{2})/g, (_m, h: string) =>
      String.fromCharCode(parseInt(h, 16)),
    );
    if (next === s) break;
    s = next;
  }
  return s;
}

function withBase64(s: string): string {
  const decoded = (s.match(/[A-Za-z0-9+/]{12,}={0,2}/g) ?? []).map((t) =>
    Buffer.from(t, 'base64').toString('latin1'),
  );
  return [s, ...decoded].join(' ');
}

function inOrder(text: string, pattern: string): boolean {
  for (
    let start = text.indexOf(pattern[0]);
    start >= 0;
    start = text.indexOf(pattern[0], start + 1)
  ) {
    let pos = start;
    let ok = true;
    for (let k = 1; k < pattern.length && ok; k++) {
      const next = text.indexOf(pattern[k], pos + 1);
      ok = next >= 0 && next - pos - 1 <= MAX_GAP;
      pos = next;
    }
    if (ok) return true;
  }
  return false;
}

export function gapMatcherFlags(line: string): boolean {
  const text = withBase64(urlDecode(line)).toLowerCase();
  return PATTERNS.some((p) => inOrder(text, p));
}
