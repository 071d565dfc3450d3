/**
 * Decisions on entry names made on the raw central-directory bytes, so that the tens of
 * thousands of names in a big archive are never decoded unless passed on.
 */

const CP437_HIGH =
  'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0';

/** Decodes a name that lacks the UTF-8 flag (bit 11): the zip spec says IBM code page 437. */
export function decodeCp437(buf: Buffer, start: number, end: number): string {
  let ascii = true;
  for (let i = start; i < end; i++) {
    if (buf[i] >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) return buf.toString('latin1', start, end);
  let out = '';
  for (let i = start; i < end; i++) {
    const b = buf[i];
    out += b < 0x80 ? String.fromCharCode(b) : CP437_HIGH[b - 0x80];
  }
  return out;
}

/** Extensions of zip-format files (Java EE, Jenkins, Android, NiFi, Karaf, JDK modules...). */
export const ARCHIVE_EXTENSIONS: ReadonlySet<string> = new Set([
  'jar',
  'war',
  'ear',
  'zip',
  'sar',
  'par',
  'rar',
  'aar',
  'nar',
  'jpi',
  'hpi',
  'kar',
  'jmod',
  'apk',
  'mar',
  'car',
  'amp',
  'lar',
  'ejb',
  'bar',
]);

/** Extensions that never hold a zip: their entries are not even peeked at. */
const NON_ARCHIVE_EXTENSIONS: ReadonlySet<string> = new Set([
  'class',
  'esclazz',
  'classdata',
  'properties',
  'xml',
  'mf',
  'txt',
  'html',
  'htm',
  'xhtml',
  'js',
  'mjs',
  'cjs',
  'ts',
  'css',
  'less',
  'scss',
  'map',
  'png',
  'gif',
  'jpg',
  'jpeg',
  'bmp',
  'ico',
  'svg',
  'webp',
  'json',
  'sf',
  'rsa',
  'dsa',
  'ec',
  'kotlin_module',
  'proto',
  'java',
  'kt',
  'kts',
  'scala',
  'groovy',
  'clj',
  'md',
  'dtd',
  'xsd',
  'xsl',
  'xslt',
  'wsdl',
  'tld',
  'yml',
  'yaml',
  'sql',
  'conf',
  'cfg',
  'ini',
  'csv',
  'sh',
  'bat',
  'cmd',
  'ps1',
  'so',
  'dll',
  'dylib',
  'jnilib',
  'ttf',
  'otf',
  'woff',
  'woff2',
  'eot',
  'vm',
  'ftl',
  'jsp',
  'jspf',
  'tag',
  'tagx',
  'handlers',
  'schemas',
  'factories',
  'imports',
  'list',
  'idx',
  'pem',
  'crt',
  'cer',
  'der',
  'license',
  'notice',
  'md5',
  'sha1',
  'sha256',
  'sha512',
  'asc',
  'gz',
  'tgz',
  'xz',
  'bz2',
  'tar',
  'pom',
  'lst',
  'h',
  'c',
  'cpp',
  'py',
  'rb',
  'pl',
  'lua',
  'php',
  'mo',
  'po',
  'g',
  'g4',
  'jj',
  'rng',
  'xjb',
  'ser',
  'jnlp',
  'policy',
  'config',
  'gradle',
]);

const DOT = 0x2e;
const SLASH = 0x2f;

/** Whether an entry may be a nested zip: 'archive' by name, 'maybe' (peek at its magic), or 'no'. */
export type NestedHint = 'archive' | 'maybe' | 'no';

function isDotClass(buf: Buffer, end: number, start: number): boolean {
  return (
    end - start > 6 &&
    buf[end - 6] === DOT &&
    buf[end - 5] === 0x63 &&
    buf[end - 4] === 0x6c &&
    buf[end - 3] === 0x61 &&
    buf[end - 2] === 0x73 &&
    buf[end - 1] === 0x73
  );
}

export function nestedHint(buf: Buffer, start: number, end: number): NestedHint {
  if (end <= start || buf[end - 1] === SLASH) return 'no';
  if (isDotClass(buf, end, start)) return 'no';
  let dot = -1;
  for (let i = end - 1; i >= start && i >= end - 17; i--) {
    const b = buf[i];
    if (b === SLASH) break;
    if (b === DOT) {
      dot = i;
      break;
    }
  }
  if (dot < 0 || dot === end - 1) return 'maybe';
  const ext = buf.toString('latin1', dot + 1, end).toLowerCase();
  if (ARCHIVE_EXTENSIONS.has(ext)) return 'archive';
  return NON_ARCHIVE_EXTENSIONS.has(ext) ? 'no' : 'maybe';
}

/** Whether a file or entry name says "I am a zip archive" (such a file is checked for a zip further in). */
export function isArchiveName(name: string): boolean {
  const slash = name.lastIndexOf('/');
  const dot = name.lastIndexOf('.');
  if (dot <= slash) return false;
  return ARCHIVE_EXTENSIONS.has(name.slice(dot + 1).toLowerCase());
}

function lower(b: number): number {
  return b >= 0x41 && b <= 0x5a ? b | 0x20 : b;
}

function matchesLower(buf: Buffer, at: number, end: number, word: string): boolean {
  if (at < 0 || at + word.length > end) return false;
  for (let k = 0; k < word.length; k++) {
    if (lower(buf[at + k]) !== word.charCodeAt(k)) return false;
  }
  return true;
}

const MANIFEST = 'meta-inf/manifest.mf';

/** MANIFEST.MF is passed to the detector, but alone it never justifies running it. */
export function isManifestName(buf: Buffer, start: number, end: number): boolean {
  return end - start === MANIFEST.length && matchesLower(buf, start, end, MANIFEST);
}

/**
 * The detector's contract: every name containing "log4j" or "reload4j" (any case), "/core/",
 * or starting with "core/". One pass over the bytes; '4' and '/' are rare so it stays cheap.
 */
export function isLog4jRelatedName(buf: Buffer, start: number, end: number): boolean {
  if (matchesLower(buf, start, end, 'core/')) return true;
  for (let i = start; i < end; i++) {
    const b = buf[i];
    if (b === 0x34) {
      if (i + 1 < end && lower(buf[i + 1]) === 0x6a) {
        if (matchesLower(buf, i - 3, end, 'log') || matchesLower(buf, i - 6, end, 'reload'))
          return true;
      }
    } else if (b === SLASH && matchesLower(buf, i + 1, end, 'core/')) {
      return true;
    }
  }
  return false;
}
