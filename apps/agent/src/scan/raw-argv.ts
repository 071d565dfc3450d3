import { readFileSync } from 'node:fs';

/**
 * Node decodes the command line as UTF-8 and replaces bytes that are not with U+FFFD, so a
 * path like `caf\xe9` (latin-1) reaches process.argv as `caf\uFFFD` and names no file. On
 * Linux /proc/self/cmdline still holds the exact bytes.
 */

/**
 * The exact bytes of process.argv.slice(2), or undefined when they cannot be told for sure
 * (no /proc, or a command line that does not line up with process.argv).
 */
export function rawUserArguments(
  argv: readonly string[] = process.argv,
  cmdlineFile = '/proc/self/cmdline',
): Buffer[] | undefined {
  let cmdline: Buffer;
  try {
    cmdline = readFileSync(cmdlineFile);
  } catch {
    return undefined;
  }
  const all = splitNul(cmdline);
  const user = argv.length - 2;
  if (user < 0 || all.length < user + 2) return undefined;
  const raw = all.slice(all.length - user);
  // The last arguments must decode to what Node gave us, or they are not the same ones.
  return raw.every((b, i) => b.toString('utf8') === argv[i + 2]) ? raw : undefined;
}

function splitNul(buf: Buffer): Buffer[] {
  const parts: Buffer[] = [];
  let start = 0;
  for (let i = buf.indexOf(0); i >= 0; i = buf.indexOf(0, start)) {
    parts.push(buf.subarray(start, i));
    start = i + 1;
  }
  if (start < buf.length) parts.push(buf.subarray(start));
  return parts;
}

/**
 * Each PATH whose decoding lost bytes, replaced by its exact bytes: the next raw argument, in
 * command-line order, that decodes to the same text. Other paths stay strings.
 */
export function withRawBytes(
  paths: readonly string[],
  raw: readonly Buffer[] | undefined,
): Array<string | Buffer> {
  if (!raw) return [...paths];
  let from = 0;
  return paths.map((p) => {
    if (!p.includes('\uFFFD')) return p;
    for (let i = from; i < raw.length; i++) {
      const bytes = raw[i];
      if (bytes.toString('utf8') !== p) continue;
      from = i + 1;
      return Buffer.from(p, 'utf8').equals(bytes) ? p : Buffer.from(bytes);
    }
    return p;
  });
}
