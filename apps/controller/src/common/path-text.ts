/**
 * The controller's text form of a path's bytes: lossless and reversible, so that one form is
 * stored, shown, filtered (pathContains), exported and pasted back into a scan request.
 * File and archive entry names are bytes (results.proto `repeated bytes chain`), and PostgreSQL
 * text holds neither a NUL nor bytes that are not UTF-8 (a NUL in one entry name used to fail the
 * whole chunk). Valid UTF-8 stays as it is; a byte that is not part of valid UTF-8 (RFC 3629: no
 * overlong forms, no surrogates), a C0 control (NUL included), and DEL become `\xNN` (two
 * lowercase hex digits); a backslash becomes `\\`.
 */
export function pathBytesToText(bytes: Uint8Array): string {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let out = '';
  let runStart = 0;
  let i = 0;
  const flush = (end: number) => {
    if (end > runStart) out += buf.toString('utf8', runStart, end);
  };
  while (i < buf.length) {
    const b = buf[i];
    if (b >= 0x20 && b < 0x7f && b !== 0x5c) {
      i++;
      continue;
    }
    const length = b >= 0x80 ? utf8SequenceLength(buf, i) : 0;
    if (length > 0) {
      i += length;
      continue;
    }
    flush(i);
    out += b === 0x5c ? '\\\\' : `\\x${b.toString(16).padStart(2, '0')}`;
    i++;
    runStart = i;
  }
  flush(i);
  return out;
}

/** A path's elements (outer file, then each archive entry) in text form, joined like a jar URL. */
export function chainToPathText(chain: readonly Uint8Array[]): string {
  return chain.map(pathBytesToText).join('!/');
}

/** Text that is not a path's text form (an escape other than `\\` or `\xNN`). */
export class PathTextError extends Error {}

/**
 * The bytes of a path's text form: `\\` and `\xNN` (hex, either case) decode to their byte, any
 * other character to its UTF-8 bytes. With `strict` (input from a user) any other backslash
 * sequence is a PathTextError; without (a form stored before escapes existed) it stays as typed.
 */
export function pathTextToBytes(text: string, strict = true): Buffer {
  const parts: Buffer[] = [];
  let runStart = 0;
  let i = 0;
  while (i < text.length) {
    if (text[i] !== '\\') {
      i++;
      continue;
    }
    const hex = text.slice(i + 2, i + 4);
    const width =
      text[i + 1] === '\\' ? 2 : text[i + 1] === 'x' && /^[0-9a-fA-F]{2}$/.test(hex) ? 4 : 0;
    if (width === 0) {
      if (strict)
        throw new PathTextError(
          `"${text.slice(i, i + 4)}" at character ${i} is not an escape: write a backslash as \\\\ and a byte as \\xNN`,
        );
      i++;
      continue;
    }
    parts.push(Buffer.from(text.slice(runStart, i), 'utf8'));
    parts.push(Buffer.from([width === 2 ? 0x5c : parseInt(hex, 16)]));
    i += width;
    runStart = i;
  }
  parts.push(Buffer.from(text.slice(runStart), 'utf8'));
  return Buffer.concat(parts);
}

/**
 * Free text from an agent (a version, a message) for a text column: PostgreSQL refuses a NUL in
 * text, so a NUL becomes U+FFFD, as bytes that are not UTF-8 already did when decoded (the same
 * length in characters: varchar limits still hold).
 */
export function storableText(text: string): string {
  return text.includes('\0') ? text.replace(/\0/g, '\uFFFD') : text;
}

/** Bytes in the well-formed UTF-8 sequence starting at `i` (a lead byte >= 0x80), 0 if none. */
function utf8SequenceLength(buf: Buffer, i: number): number {
  const b = buf[i];
  let length: number;
  let min = 0x80;
  let max = 0xbf;
  if (b >= 0xc2 && b <= 0xdf) length = 2;
  else if (b >= 0xe0 && b <= 0xef) {
    length = 3;
    if (b === 0xe0) min = 0xa0;
    if (b === 0xed) max = 0x9f; // surrogates
  } else if (b >= 0xf0 && b <= 0xf4) {
    length = 4;
    if (b === 0xf0) min = 0x90;
    if (b === 0xf4) max = 0x8f; // above U+10FFFF
  } else return 0;
  if (i + length > buf.length) return 0;
  const second = buf[i + 1];
  if (second < min || second > max) return 0;
  for (let k = 2; k < length; k++) if ((buf[i + k] & 0xc0) !== 0x80) return 0;
  return length;
}
