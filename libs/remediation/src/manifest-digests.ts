/**
 * Drops the per-entry digests of a jar manifest (JAR File Specification, "Manifest
 * Specification"): once a class is removed and the .SF/.RSA files are gone, digests that
 * describe the signed content only mislead a verifier. The main section, and every other
 * attribute and byte, stays as it was; an entry section left with only its Name goes.
 */

/** One logical line (header plus its continuation lines), with its line terminators. */
type Attribute = string;

const DIGEST = /^[^:]*-Digest\s*:/i;

function splitLines(text: string): string[] {
  return text.match(/[^\r\n]*(?:\r\n|\n|\r)|[^\r\n]+$/g) ?? [];
}

const isBlank = (line: string): boolean => line.replace(/[\r\n]+$/, '') === '';

export function stripManifestDigests(manifest: Buffer): Buffer {
  const lines = splitLines(manifest.toString('latin1'));
  const sections: Attribute[][] = [];
  const blanks: string[][] = [];
  let current: Attribute[] = [];
  let trailing: string[] = [];
  for (const line of lines) {
    if (isBlank(line)) {
      trailing.push(line);
      continue;
    }
    if (trailing.length > 0) {
      sections.push(current);
      blanks.push(trailing);
      current = [];
      trailing = [];
    }
    if (line.startsWith(' ') && current.length > 0) current[current.length - 1] += line;
    else current.push(line);
  }
  sections.push(current);
  blanks.push(trailing);

  let out = '';
  sections.forEach((attrs, k) => {
    if (k === 0) {
      out += attrs.join('') + blanks[k].join('');
      return;
    }
    const kept = attrs.filter((a) => !DIGEST.test(a));
    if (kept.every((a) => /^Name\s*:/i.test(a))) return;
    out += kept.join('') + blanks[k].join('');
  });
  return Buffer.from(out, 'latin1');
}
