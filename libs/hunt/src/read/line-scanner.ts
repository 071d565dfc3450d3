/**
 * Finds the lines worth analysing in a stream of text chunks, without splitting every line:
 * a few native `Buffer.indexOf` scans per chunk for bytes that every exploit string or trace
 * must contain, then only the lines around those bytes are decoded. Line numbers are kept by
 * counting newlines. Memory is one chunk plus one partial line, capped at `maxLineBytes`:
 * a longer line is analysed in overlapping windows.
 */

export interface CandidateLine {
  /** 1-based. */
  line: number;
  text: string;
  /** Text of the lines just before (same chunk, at most a few KiB), for timestamp inheritance. */
  before: () => string[];
  /** true when the text is one window of a line longer than `maxLineBytes`. */
  window: boolean;
}

const NL = 10;

/** Bytes around the cut of a long line's window that are seen twice, so no string is cut in half unseen. */
export const WINDOW_OVERLAP = 8192;

interface Needle {
  /** A byte (its occurrences then go through `check`) or an exact byte string. */
  bytes: Buffer | number;
  check?: (buf: Buffer, p: number) => boolean;
}

const at = (buf: Buffer, p: number, text: string): boolean => {
  for (let i = 0; i < text.length; i++) if (buf[p + i] !== text.charCodeAt(i)) return false;
  return true;
};

/**
 * What every exploit string or trace holds at least one of. Each is found by one native scan
 * per chunk (`Buffer.indexOf`, memchr on the first byte). Bytes frequent on their own (`$` in
 * stack frames, `%` in URLs, `\` in JSON) are scanned once each and their occurrences checked
 * here, which measured ~25% faster than one scan per two-byte string; the rest are exact
 * strings, short (node switches to a slower search from 7 bytes).
 * - `$` before `{` or before an encoded `{`: `${`, `$%`, `$\`, `$&`
 * - an encoded `$`: `%24`, `%25` (a `%` layer), `%u`/`%U` (IIS), `%5C`/`%5c` (URL-encoded
 *   `\u0024`), `\u0024`, `\uu` (Java allows several u), `\x24`, `\X24`, `\44`, `\044`, `&#`,
 *   `&dol` (&dollar;)
 * - traces: `jndi`, `JNDI`, `Jndi`, `Naming` (NamingManager, NamingException), `x.nam`
 *   (javax.naming.*), `Infini` (Infinite loop in property interpolation), `StrSub` (StrSubstitutor)
 */
const BUILTIN_NEEDLES: readonly Needle[] = [
  {
    bytes: 0x24,
    check: (b, p) => {
      const n = b[p + 1];
      return n === 0x7b || n === 0x25 || n === 0x5c || n === 0x26;
    },
  },
  {
    bytes: 0x25,
    check: (b, p) => {
      const [c, d] = [b[p + 1], b[p + 2]];
      // %24 %25 %u %U %5C %5c
      return (
        (c === 0x32 && (d === 0x34 || d === 0x35)) ||
        c === 0x75 ||
        c === 0x55 ||
        (c === 0x35 && (d === 0x43 || d === 0x63))
      );
    },
  },
  {
    bytes: 0x5c,
    check: (b, p) => {
      const c = b[p + 1];
      // \u0024 \uu \x24 \X24 \44 \044
      if (c === 0x75) return b[p + 2] === 0x75 || at(b, p + 2, '0024');
      if (c === 0x78 || c === 0x58) return b[p + 2] === 0x32 && b[p + 3] === 0x34;
      if (c === 0x34) return b[p + 2] === 0x34;
      return c === 0x30 && b[p + 2] === 0x34 && b[p + 3] === 0x34;
    },
  },
  ...['&#', '&dol', 'jndi', 'JNDI', 'Jndi', 'Naming', 'x.nam', 'Infini', 'StrSub'].map((s) => ({
    bytes: Buffer.from(s),
  })),
];

/** The scanner's needles plus any the caller adds (indicator strings). */
export function defaultNeedles(extra: readonly string[] = []): Needle[] {
  return [
    ...BUILTIN_NEEDLES,
    ...extra.filter((s) => s.length > 0).map((s) => ({ bytes: Buffer.from(s) })),
  ];
}

export class LineScanner {
  private lineNo = 1;
  private carry: Buffer | undefined;
  /** The partial line held in carry already had a window analysed. */
  private carryIsWindowed = false;
  bytes = 0;

  constructor(
    private readonly needles: Needle[],
    private readonly maxLineBytes: number,
    private readonly onLine: (c: CandidateLine) => void,
  ) {}

  /** Lines seen so far (the last one counted even without a final newline). */
  get lines(): number {
    return this.lineNo - 1 + (this.carry && this.carry.length > 0 ? 1 : 0);
  }

  feed(chunk: Buffer): void {
    this.bytes += chunk.length;
    let start = 0;
    if (this.carry) {
      const nl = chunk.indexOf(NL);
      if (nl < 0) {
        this.holdPartial(Buffer.concat([this.carry, chunk]));
        return;
      }
      const line = Buffer.concat([this.carry, chunk.subarray(0, nl + 1)]);
      this.carry = undefined;
      this.region(line, 0, line.length, this.carryIsWindowed);
      this.carryIsWindowed = false;
      start = nl + 1;
    }
    const last = chunk.lastIndexOf(NL);
    if (last < start) {
      this.holdPartial(Buffer.from(chunk.subarray(start)));
      return;
    }
    this.region(chunk, start, last + 1, false);
    if (last + 1 < chunk.length) this.holdPartial(Buffer.from(chunk.subarray(last + 1)));
  }

  /** The text ended: its last line may have had no newline. */
  end(): void {
    if (this.carry && this.carry.length > 0) {
      const line = this.carry;
      this.carry = undefined;
      this.region(line, 0, line.length, this.carryIsWindowed);
    }
  }

  /** A line longer than the cap is analysed in windows; the tail stays to overlap the next one. */
  private holdPartial(partial: Buffer): void {
    if (partial.length <= this.maxLineBytes) {
      this.carry = partial;
      return;
    }
    this.analyse(partial, 0, partial.length, true);
    this.carry = Buffer.from(partial.subarray(partial.length - WINDOW_OVERLAP));
    this.carryIsWindowed = true;
  }

  /** Complete lines in buf[from, to) (to is just after a newline, or the end of the text). */
  private region(buf: Buffer, from: number, to: number, windowed: boolean): void {
    const starts = this.candidateStarts(buf, from, to);
    let pos = from;
    for (const ls of starts) {
      this.lineNo += countNewlines(buf, pos, ls);
      pos = ls;
      let le = buf.indexOf(NL, ls);
      if (le < 0 || le >= to) le = to;
      this.emit(buf, ls, le, from, windowed);
    }
    this.lineNo += countNewlines(buf, pos, to);
    // An unterminated last line (end of text) counts as a line.
    if (to > from && buf[to - 1] !== NL) this.lineNo++;
  }

  /** A window of an over-long line: analysed whole, line number unchanged. */
  private analyse(buf: Buffer, from: number, to: number, windowed: boolean): void {
    if (this.candidateStarts(buf, from, to).length > 0) this.emit(buf, from, to, from, windowed);
  }

  private emit(buf: Buffer, ls: number, le: number, from: number, windowed: boolean): void {
    let end = le;
    if (end > ls && buf[end - 1] === 13) end--;
    this.onLine({
      line: this.lineNo,
      text: buf.toString('utf8', ls, end),
      before: () => linesBefore(buf, ls, from),
      window: windowed,
    });
  }

  /** Starts of the lines in buf[from, to) that hold a needle, ascending, each once. */
  private candidateStarts(buf: Buffer, from: number, to: number): number[] {
    const starts: number[] = [];
    for (const { bytes, check } of this.needles) {
      let p = buf.indexOf(bytes, from);
      while (p >= 0 && p < to) {
        if (check && !check(buf, p)) {
          p = buf.indexOf(bytes, p + 1);
          continue;
        }
        const ls = Math.max(from, buf.lastIndexOf(NL, p) + 1);
        starts.push(ls);
        const le = buf.indexOf(NL, p);
        if (le < 0 || le >= to) break;
        p = buf.indexOf(bytes, le + 1);
      }
    }
    if (starts.length <= 1) return starts;
    starts.sort((a, b) => a - b);
    return starts.filter((s, i) => i === 0 || s !== starts[i - 1]);
  }
}

function countNewlines(buf: Buffer, from: number, to: number): number {
  let n = 0;
  for (let p = buf.indexOf(NL, from); p >= 0 && p < to; p = buf.indexOf(NL, p + 1)) n++;
  return n;
}

/** Up to 64 lines / 16 KiB before ls (newest first), not before `from`. */
function linesBefore(buf: Buffer, ls: number, from: number): string[] {
  const out: string[] = [];
  let end = ls - 1;
  const floor = Math.max(from, ls - 16384);
  while (end > floor && out.length < 64) {
    const start = Math.max(floor, buf.lastIndexOf(NL, end - 1) + 1);
    out.push(buf.toString('utf8', start, end));
    end = start - 1;
  }
  return out;
}
