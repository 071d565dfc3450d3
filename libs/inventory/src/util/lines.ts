export interface NumberedLine {
  /** 1-based. */
  line: number;
  text: string;
}

/** Splits text into lines (LF or CRLF), numbered from 1, without the trailing empty line. */
export function numberedLines(text: string): NumberedLine[] {
  const parts = text.split(/\r?\n/);
  if (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts.map((t, i) => ({ line: i + 1, text: t }));
}

/** Blank or comment-only line (first non-space character is `#`). */
export function isBlankOrComment(text: string): boolean {
  const t = text.trim();
  return t === '' || t.startsWith('#');
}
