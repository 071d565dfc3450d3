import type { LastLogin, Parsed, ParseWarning } from '../types';

/** glibc struct utmp on Linux (x86_64, aarch64 ...): 384 bytes per record. */
export const UTMP_RECORD_SIZE = 384;
const UT_TYPE = 0;
const UT_LINE = 8;
const UT_USER = 44;
const UT_HOST = 76;
const UT_TV_SEC = 340;
const USER_PROCESS = 7;
const MAX_UT_TYPE = 9;

function cString(buf: Buffer, start: number, length: number): string {
  const slice = buf.subarray(start, start + length);
  const nul = slice.indexOf(0);
  return slice.subarray(0, nul === -1 ? slice.length : nul).toString('utf8');
}

/**
 * The latest USER_PROCESS record per user name in a wtmp file (login(1), sshd and
 * display managers append one per session).
 */
export function parseWtmp(buf: Buffer, file = '/var/log/wtmp'): Parsed<Map<string, LastLogin>> {
  const value = new Map<string, LastLogin>();
  const warnings: ParseWarning[] = [];
  const records = Math.floor(buf.length / UTMP_RECORD_SIZE);
  if (buf.length % UTMP_RECORD_SIZE !== 0) {
    warnings.push({
      file,
      message: `${buf.length % UTMP_RECORD_SIZE} trailing bytes are not a whole utmp record`,
    });
  }
  for (let i = 0; i < records; i++) {
    const rec = buf.subarray(i * UTMP_RECORD_SIZE, (i + 1) * UTMP_RECORD_SIZE);
    const type = rec.readInt16LE(UT_TYPE);
    if (type < 0 || type > MAX_UT_TYPE) {
      // wtmp has no line numbers: the record index stands in for one.
      warnings.push({ file, line: i + 1, message: `record ${i + 1}: unknown ut_type ${type}` });
      continue;
    }
    if (type !== USER_PROCESS) continue;
    const user = cString(rec, UT_USER, 32);
    const sec = rec.readInt32LE(UT_TV_SEC);
    if (user === '' || sec <= 0) continue;
    const previous = value.get(user);
    const at = new Date(sec * 1000).toISOString();
    if (previous && previous.at >= at) continue;
    const host = cString(rec, UT_HOST, 256);
    value.set(user, {
      at,
      line: cString(rec, UT_LINE, 32) || undefined,
      host: host || undefined,
      source: 'wtmp',
    });
  }
  return { value, warnings };
}

/** struct lastlog: int32 time, char line[32], char host[256], indexed by uid. */
export const LASTLOG_RECORD_SIZE = 292;

/** The lastlog record of one uid, given the bytes at uid * LASTLOG_RECORD_SIZE. */
export function parseLastlogRecord(rec: Buffer): LastLogin | undefined {
  if (rec.length < LASTLOG_RECORD_SIZE) return undefined;
  const sec = rec.readUInt32LE(0);
  if (sec === 0) return undefined;
  return {
    at: new Date(sec * 1000).toISOString(),
    line: cString(rec, 4, 32) || undefined,
    host: cString(rec, 36, 256) || undefined,
    source: 'lastlog',
  };
}
