/**
 * Characters whose Java case mapping (String.toUpperCase / toLowerCase, Unicode SpecialCasing)
 * yields ASCII letters: `${upper:ı}` is "I", so `jndı` becomes `JNDI`; the Kelvin sign lowers to
 * "k"; long ſ uppers to "S". Combining marks left over (İ lowers to "i" + U+0307, ǰ uppers to
 * "J" + U+030C) are dropped. fold.spec.ts recomputes this table from the runtime's own mapping.
 */
export const LOOKALIKES: Readonly<Record<string, string>> = {
  '\u00df': 'ss', // ß
  '\u0130': 'i', // İ
  '\u0131': 'i', // ı dotless i
  '\u0149': 'n', // ŉ
  '\u017f': 's', // ſ long s
  '\u01f0': 'j', // ǰ
  '\u1e96': 'h',
  '\u1e97': 't',
  '\u1e98': 'w',
  '\u1e99': 'y',
  '\u1e9a': 'a',
  '\u212a': 'k', // Kelvin sign
  '\ufb00': 'ff',
  '\ufb01': 'fi',
  '\ufb02': 'fl',
  '\ufb03': 'ffi',
  '\ufb04': 'ffl',
  '\ufb05': 'st',
  '\ufb06': 'st',
};

const LOOKALIKE_RE = /[\u00df\u0130\u0131\u0149\u017f\u01f0\u1e96-\u1e9a\u212a\ufb00-\ufb06]/g;
const COMBINING_RE = /[\u0300-\u036f\u02bc\u02be]/g;
const ASCII_RE = /^[\x00-\x7f]*$/;

/** Lower-case ASCII form of a lookup name, protocol or host, look-alikes folded. */
export function foldName(text: string): string {
  if (ASCII_RE.test(text)) return text.toLowerCase();
  return text
    .replace(LOOKALIKE_RE, (c) => LOOKALIKES[c])
    .toLowerCase()
    .replace(COMBINING_RE, '');
}

/** True when the text holds a character that folds to ASCII. */
export function hasLookalike(text: string): boolean {
  LOOKALIKE_RE.lastIndex = 0;
  return !ASCII_RE.test(text) && LOOKALIKE_RE.test(text);
}
