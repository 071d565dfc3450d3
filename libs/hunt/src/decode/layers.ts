/** Encodings seen wrapped around exploit strings, as reported in `obfuscation`. */
export type EncodingFamily =
  'url' | 'unicode-escape' | 'hex-escape' | 'octal-escape' | 'html-escape';

export interface Decoded {
  text: string;
  families: EncodingFamily[];
}

/** Layers peeled at most: `%252524` is three; no real payload uses more than a handful. */
export const MAX_DECODE_ROUNDS = 12;

// Every pattern below is a plain alternation of bounded runs: linear time, no backtracking blow-up.
const PCT_RUN = /(?:%[0-9a-fA-F]{2})+/g;
const PCT_U = /%u([0-9a-fA-F]{4})/gi;
const BACKSLASH = /\\(?:u+([0-9a-fA-F]{4})|[xX]([0-9a-fA-F]{2})|([0-3][0-7]{0,2}|[4-7][0-7]?))/g;
const HTML_NUM = /&#(?:[xX]([0-9a-fA-F]{1,6})|([0-9]{1,7}));?/g;
const HTML_NAMED = /&(dollar|lcub|lbrace|rcub|rbrace|colon|sol|period|amp);/g;
const NAMED: Record<string, string> = {
  dollar: '$',
  lcub: '{',
  lbrace: '{',
  rcub: '}',
  rbrace: '}',
  colon: ':',
  sol: '/',
  period: '.',
  amp: '&',
};

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** %XX runs are bytes: UTF-8 when they decode as such (%C4%B1 is ı), else Latin-1. */
function percentRun(run: string): string {
  const bytes = Buffer.alloc(run.length / 3);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(run.slice(i * 3 + 1, i * 3 + 3), 16);
  try {
    return utf8.decode(bytes);
  } catch {
    return bytes.toString('latin1');
  }
}

function codePoint(n: number): string {
  return n <= 0x10ffff ? String.fromCodePoint(n) : '\ufffd';
}

function urlDecode(s: string): string {
  if (!s.includes('%')) return s;
  return s
    .replace(PCT_RUN, percentRun)
    .replace(PCT_U, (_, h: string) => codePoint(parseInt(h, 16)));
}

function backslashDecode(s: string, seen: Set<EncodingFamily>): string {
  if (!s.includes('\\')) return s;
  return s.replace(BACKSLASH, (_m, u?: string, x?: string, o?: string) => {
    if (u !== undefined) {
      seen.add('unicode-escape');
      return String.fromCharCode(parseInt(u, 16));
    }
    if (x !== undefined) {
      seen.add('hex-escape');
      return String.fromCharCode(parseInt(x, 16));
    }
    seen.add('octal-escape');
    return String.fromCharCode(parseInt(o ?? '0', 8));
  });
}

function htmlDecode(s: string): string {
  if (!s.includes('&')) return s;
  return s
    .replace(HTML_NUM, (_m, hex?: string, dec?: string) =>
      codePoint(hex !== undefined ? parseInt(hex, 16) : Number(dec)),
    )
    .replace(HTML_NAMED, (_m, name: string) => NAMED[name]);
}

/**
 * Peels encodings until nothing changes: URL (also `%25` layers and `%uXXXX`), `\uXXXX`,
 * `\xXX`, octal `\NNN`, HTML numeric and the few named entities that spell `${}:/`.
 * No round makes the text longer, and rounds are bounded: linear in the line's length.
 */
export function decodeLayers(input: string): Decoded {
  const seen = new Set<EncodingFamily>();
  let text = input;
  for (let round = 0; round < MAX_DECODE_ROUNDS; round++) {
    const url = urlDecode(text);
    if (url !== text) seen.add('url');
    const bs = backslashDecode(url, seen);
    const html = htmlDecode(bs);
    if (html !== bs) seen.add('html-escape');
    if (html === text) break;
    text = html;
  }
  return { text, families: [...seen] };
}
