/**
 * Patching zip records copied from the original: only the fields a rewrite changes (offsets,
 * and CRC/sizes of a rewritten entry) are touched, every other byte (extra fields, comments,
 * timestamps, flags, versions) stays as it was. Fields that do not fit 32 bits live in the
 * zip64 extra field (APPNOTE 4.5.3), whose members are present only for the fixed fields set
 * to 0xffffffff, in the order uncompressed size, compressed size, local header offset.
 */
import { ScanProblem } from '@log4fleet/scanner';

export const SIG_LOCAL = 0x04034b50;
export const SIG_ZIP64_EOCD = 0x06064b50;
export const SIG_ZIP64_LOCATOR = 0x07064b50;
export const SIG_EOCD = 0x06054b50;
export const LOCAL_HEADER_BYTES = 30;
const MAX32 = 0xffffffff;
const FLAG_DATA_DESCRIPTOR = 0x8;

export interface NewData {
  crc: number;
  compressedSize: number;
  uncompressedSize: number;
}

function zip64Extra(rec: Buffer, extraStart: number, extraLength: number): number | undefined {
  const end = extraStart + extraLength;
  for (let p = extraStart; p + 4 <= end;) {
    const id = rec.readUInt16LE(p);
    const len = rec.readUInt16LE(p + 2);
    if (id === 0x0001) return p + 4;
    p += 4 + len;
  }
  return undefined;
}

/** Writes the fields in fixed order, each either in its 32-bit slot or in the zip64 extra. */
function writeFields(
  rec: Buffer,
  fields: Array<{ at: number; value: number }>,
  zip64At: number | undefined,
  what: string,
): void {
  let p = zip64At;
  for (const { at, value } of fields) {
    if (rec.readUInt32LE(at) === MAX32) {
      if (p === undefined || p + 8 > rec.length) {
        throw new ScanProblem('corrupt-archive', `${what} lacks the zip64 field it announces.`);
      }
      rec.writeBigUInt64LE(BigInt(value), p);
      p += 8;
      continue;
    }
    if (value >= MAX32) {
      throw new ScanProblem(
        'unsupported',
        `${what} would need a zip64 field it does not have (${value} bytes).`,
      );
    }
    rec.writeUInt32LE(value, at);
  }
}

/** A local header for rewritten data: CRC and sizes set, no data descriptor after it. */
export function patchLocalHeader(header: Buffer, data: NewData, name: string): Buffer {
  const h = Buffer.from(header);
  h.writeUInt16LE(h.readUInt16LE(6) & ~FLAG_DATA_DESCRIPTOR, 6);
  h.writeUInt32LE(data.crc >>> 0, 14);
  const nameLen = h.readUInt16LE(26);
  const z64 = zip64Extra(h, LOCAL_HEADER_BYTES + nameLen, h.readUInt16LE(28));
  // The local zip64 field holds both sizes as soon as either slot says 0xffffffff.
  if (z64 !== undefined && (h.readUInt32LE(18) === MAX32 || h.readUInt32LE(22) === MAX32)) {
    h.writeUInt32LE(MAX32, 18);
    h.writeUInt32LE(MAX32, 22);
  }
  writeFields(
    h,
    [
      { at: 22, value: data.uncompressedSize },
      { at: 18, value: data.compressedSize },
    ],
    z64,
    `Local header of ${name}`,
  );
  return h;
}

/** A central directory record with its new local header offset (and new CRC/sizes). */
export function patchCentralRecord(
  record: Buffer,
  offset: number,
  data: NewData | undefined,
  name: string,
): Buffer {
  const r = Buffer.from(record);
  const z64 = zip64Extra(r, 46 + r.readUInt16LE(28), r.readUInt16LE(30));
  if (data) {
    r.writeUInt16LE(r.readUInt16LE(8) & ~FLAG_DATA_DESCRIPTOR, 8);
    r.writeUInt32LE(data.crc >>> 0, 16);
  }
  const fields = [
    { at: 24, value: data ? data.uncompressedSize : readFixedOrZip64(r, 24) },
    { at: 20, value: data ? data.compressedSize : readFixedOrZip64(r, 20) },
    { at: 42, value: offset },
  ];
  // Unchanged sizes are rewritten with their own values: the zip64 cursor must pass them.
  writeFields(r, fields, z64, `Central directory record of ${name}`);
  return r;
}

/** Only used to carry an unchanged value through writeFields; 0 stands for "read from zip64". */
function readFixedOrZip64(r: Buffer, at: number): number {
  const v = r.readUInt32LE(at);
  if (v !== MAX32) return v;
  const z64 = zip64Extra(r, 46 + r.readUInt16LE(28), r.readUInt16LE(30));
  if (z64 === undefined) return v;
  // Position of this field inside the zip64 extra: count the MAX32 slots before it.
  const order = [24, 20, 42];
  let p = z64;
  for (const slot of order) {
    if (slot === at) return Number(r.readBigUInt64LE(p));
    if (r.readUInt32LE(slot) === MAX32) p += 8;
  }
  return v;
}

export interface EndValues {
  entries: number;
  cdSize: number;
  /** Offset of the central directory as the archive counts it (without the prefix). */
  cdOffset: number;
  /** Offset of the zip64 end record as the archive counts it. */
  zip64EndOffset: number;
}

/**
 * Patches the end records found in `tail` (everything after the central directory: zip64
 * end record, zip64 locator, end of central directory with its comment, trailing bytes).
 * `eocdAt` is the end record's offset inside `tail`.
 */
export function patchEndRecords(tail: Buffer, eocdAt: number, v: EndValues): Buffer {
  const t = Buffer.from(tail);
  if (t.length >= 56 && t.readUInt32LE(0) === SIG_ZIP64_EOCD) {
    t.writeBigUInt64LE(BigInt(v.entries), 24);
    t.writeBigUInt64LE(BigInt(v.entries), 32);
    t.writeBigUInt64LE(BigInt(v.cdSize), 40);
    t.writeBigUInt64LE(BigInt(v.cdOffset), 48);
  }
  const loc = eocdAt - 20;
  if (loc >= 0 && t.readUInt32LE(loc) === SIG_ZIP64_LOCATOR) {
    t.writeBigUInt64LE(BigInt(v.zip64EndOffset), loc + 8);
  }
  const set16 = (at: number, value: number): void => {
    if (t.readUInt16LE(at) === 0xffff) return;
    if (value >= 0xffff)
      throw new ScanProblem('unsupported', 'Too many entries for a zip without zip64.');
    t.writeUInt16LE(value, at);
  };
  const set32 = (at: number, value: number): void => {
    if (t.readUInt32LE(at) === MAX32) return;
    if (value >= MAX32)
      throw new ScanProblem('unsupported', 'Archive too large for a zip without zip64.');
    t.writeUInt32LE(value, at);
  };
  set16(eocdAt + 8, v.entries);
  set16(eocdAt + 10, v.entries);
  set32(eocdAt + 12, v.cdSize);
  set32(eocdAt + 16, v.cdOffset);
  return t;
}
