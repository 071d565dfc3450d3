/** A line's own timestamp. */
export interface LineTimestamp {
  /** As written in the line. */
  text: string;
  /** Epoch milliseconds; a time written without zone is read in the agent's zone. */
  ms: number;
}

const MONTHS: Record<string, number> = {
  jan: 0,
  feb: 1,
  mar: 2,
  apr: 3,
  may: 4,
  jun: 5,
  jul: 6,
  aug: 7,
  sep: 8,
  oct: 9,
  nov: 10,
  dec: 11,
};

/** Only the head of a line is searched: timestamps lead, and JSON lines put theirs early. */
const WINDOW = 512;

interface Parts {
  text: string;
  year: number;
  month: number;
  day: number;
  h: string;
  m: string;
  s: string;
  frac?: string;
  zone?: string;
}

// Bounded, anchored-by-digits patterns: linear time on any input.
const ISO =
  /(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?(\s?(?:Z|[+-]\d{2}(?::?\d{2})?))?/;
const SLASHED = /(\d{4})\/(\d{2})\/(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?/;
const CLF = /\[(\d{2})\/([A-Za-z]{3})\/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-]\d{4})\]/;
const DMY = /\b(\d{2})[ -]([A-Za-z]{3})[ -](\d{4})[ :](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,3}))?/;
const SYSLOG = /^(?:<\d{1,3}>)?([A-Za-z]{3}) ([ \d]\d) (\d{2}):(\d{2}):(\d{2})/;

function fromMatch(text: string, year: string, month: number, day: string, rest: string[]): Parts {
  return {
    text,
    year: Number(year),
    month,
    day: Number(day),
    h: rest[0],
    m: rest[1],
    s: rest[2],
    frac: rest[3],
    zone: rest[4],
  };
}

function toMs(p: Parts): number | undefined {
  const ms = p.frac ? Number(p.frac.slice(0, 3).padEnd(3, '0')) : 0;
  const [h, m, s] = [Number(p.h), Number(p.m), Number(p.s)];
  if (p.month < 0 || p.month > 11 || p.day < 1 || p.day > 31 || h > 23 || m > 59 || s > 60)
    return undefined;
  const zone = p.zone?.trim();
  if (zone === undefined || zone === '')
    return new Date(p.year, p.month, p.day, h, m, s, ms).getTime();
  const utc = Date.UTC(p.year, p.month, p.day, h, m, s, ms);
  if (zone === 'Z') return utc;
  const z = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone);
  if (!z) return undefined;
  const offset = (Number(z[2]) * 60 + Number(z[3] ?? 0)) * 60_000;
  return z[1] === '+' ? utc - offset : utc + offset;
}

function parse(head: string, referenceYear: number): Parts | undefined {
  let m = ISO.exec(head);
  if (m) return fromMatch(m[0], m[1], Number(m[2]) - 1, m[3], [m[4], m[5], m[6], m[7], m[8]]);
  m = CLF.exec(head);
  if (m)
    return fromMatch(m[0], m[3], MONTHS[m[2].toLowerCase()] ?? -1, m[1], [
      m[4],
      m[5],
      m[6],
      undefined as unknown as string,
      m[7],
    ]);
  m = SLASHED.exec(head);
  if (m) return fromMatch(m[0], m[1], Number(m[2]) - 1, m[3], [m[4], m[5], m[6], m[7]]);
  m = DMY.exec(head);
  if (m)
    return fromMatch(m[0], m[3], MONTHS[m[2].toLowerCase()] ?? -1, m[1], [m[4], m[5], m[6], m[7]]);
  m = SYSLOG.exec(head);
  if (m)
    return fromMatch(m[0], String(referenceYear), MONTHS[m[1].toLowerCase()] ?? -1, m[2].trim(), [
      m[3],
      m[4],
      m[5],
    ]);
  return undefined;
}

/**
 * The timestamp a log line carries: ISO 8601 / Log4j's default (`2021-12-10 12:00:00,123`),
 * Apache access logs (`[10/Dec/2021:12:00:00 +0000]`), `10-Dec-2021 12:00:00.123` (Tomcat),
 * `10 Dec 2021 12:00:00,123` (Log4j DATE), `2021/12/10 12:00:00`, syslog (`Dec 10 12:00:00`,
 * no year: the reference year, or the year before when that would be after `notAfterMs`).
 */
export function lineTimestamp(
  line: string,
  reference: { year: number; notAfterMs?: number } = { year: new Date().getFullYear() },
): LineTimestamp | undefined {
  const head = line.length > WINDOW ? line.slice(0, WINDOW) : line;
  const p = parse(head, reference.year);
  if (!p) return undefined;
  let ms = toMs(p);
  if (ms === undefined) return undefined;
  if (
    p.text === SYSLOG.exec(head)?.[0] &&
    reference.notAfterMs !== undefined &&
    ms > reference.notAfterMs + 86_400_000
  ) {
    ms = toMs({ ...p, year: p.year - 1 });
    if (ms === undefined) return undefined;
  }
  return { text: p.text.replace(/^\[|\]$/g, ''), ms };
}
