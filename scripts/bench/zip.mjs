// Minimal, deterministic zip writer and reader for the benchmark generator.
// Why not yazl: the generator writes ~1M entries; a synchronous writer with precomputed
// CRCs and precompressed payloads is an order of magnitude faster, and it can copy the
// fixtures' entries raw (no recompression) and stream a 1 GB archive to disk.
// Limits: no zip64 (archives < 4 GiB, < 65535 entries), checked.
import fs from 'node:fs';
import zlib from 'node:zlib';

// Fixed DOS time/date (2021-12-10 12:00:00) so every run writes identical bytes.
const DOS_TIME = (12 << 11) | (0 << 5) | 0;
const DOS_DATE = ((2021 - 1980) << 9) | (12 << 5) | 10;

export const crc32 = (buf) => zlib.crc32(buf) >>> 0;

/** Collects bytes in memory. */
export class MemSink {
  constructor() {
    this.chunks = [];
    this.offset = 0;
  }
  write(buf) {
    this.chunks.push(buf);
    this.offset += buf.length;
  }
  close() {
    return Buffer.concat(this.chunks, this.offset);
  }
}

/** Writes bytes to a file, small writes batched. */
export class FileSink {
  constructor(path) {
    this.fd = fs.openSync(path, 'w');
    this.offset = 0;
    this.pending = [];
    this.pendingBytes = 0;
  }
  write(buf) {
    this.offset += buf.length;
    if (buf.length >= 1 << 20) {
      this.flush();
      writeAll(this.fd, buf);
      return;
    }
    this.pending.push(buf);
    this.pendingBytes += buf.length;
    if (this.pendingBytes >= 1 << 20) this.flush();
  }
  flush() {
    if (this.pendingBytes === 0) return;
    writeAll(this.fd, Buffer.concat(this.pending, this.pendingBytes));
    this.pending = [];
    this.pendingBytes = 0;
  }
  close() {
    this.flush();
    fs.closeSync(this.fd);
  }
}

function writeAll(fd, buf) {
  let off = 0;
  while (off < buf.length) off += fs.writeSync(fd, buf, off, buf.length - off);
}

/** A payload ready to be written: method 0 (stored) or 8 (deflated), with CRC and sizes. */
export function storedPayload(data) {
  return { method: 0, crc: crc32(data), usize: data.length, data };
}
export function deflatedPayload(data, level = 6) {
  return {
    method: 8,
    crc: crc32(data),
    usize: data.length,
    data: zlib.deflateRawSync(data, { level }),
  };
}

export class ZipWriter {
  /** @param sink MemSink | FileSink; offsets in the central directory are relative to the sink's position at construction (so a prefix written before stays outside the zip, as in `cat script.sh app.jar`). */
  constructor(sink) {
    this.sink = sink;
    this.base = sink.offset;
    this.central = [];
    this.names = new Set();
  }
  get size() {
    return this.sink.offset - this.base;
  }
  /** payload: { method, crc, usize, data } where data is the (compressed) bytes. */
  add(name, payload) {
    if (this.names.has(name)) throw new Error(`duplicate zip entry ${name}`);
    this.names.add(name);
    const nameBuf = Buffer.from(name, 'utf8');
    const offset = this.sink.offset - this.base;
    if (offset + payload.data.length > 0xfffffff0) throw new Error('zip too large for zip32');
    const h = Buffer.alloc(30);
    h.writeUInt32LE(0x04034b50, 0);
    h.writeUInt16LE(20, 4);
    h.writeUInt16LE(0x0800, 6);
    h.writeUInt16LE(payload.method, 8);
    h.writeUInt16LE(DOS_TIME, 10);
    h.writeUInt16LE(DOS_DATE, 12);
    h.writeUInt32LE(payload.crc, 14);
    h.writeUInt32LE(payload.data.length, 18);
    h.writeUInt32LE(payload.usize, 22);
    h.writeUInt16LE(nameBuf.length, 26);
    h.writeUInt16LE(0, 28);
    this.sink.write(h);
    this.sink.write(nameBuf);
    this.sink.write(payload.data);
    this.central.push({
      nameBuf,
      offset,
      method: payload.method,
      crc: payload.crc,
      csize: payload.data.length,
      usize: payload.usize,
    });
  }
  addStored(name, data) {
    this.add(name, storedPayload(data));
  }
  addDeflated(name, data, level = 6) {
    this.add(name, deflatedPayload(data, level));
  }
  finish() {
    if (this.central.length >= 0xffff) throw new Error('too many entries for zip32');
    const cdStart = this.sink.offset - this.base;
    const parts = [];
    let cdSize = 0;
    for (const e of this.central) {
      const c = Buffer.alloc(46);
      c.writeUInt32LE(0x02014b50, 0);
      c.writeUInt16LE(0x031e, 4); // made by: unix, 3.0
      c.writeUInt16LE(20, 6);
      c.writeUInt16LE(0x0800, 8);
      c.writeUInt16LE(e.method, 10);
      c.writeUInt16LE(DOS_TIME, 12);
      c.writeUInt16LE(DOS_DATE, 14);
      c.writeUInt32LE(e.crc, 16);
      c.writeUInt32LE(e.csize, 20);
      c.writeUInt32LE(e.usize, 24);
      c.writeUInt16LE(e.nameBuf.length, 28);
      c.writeUInt32LE((0o100644 << 16) >>> 0, 38);
      c.writeUInt32LE(e.offset, 42);
      parts.push(c, e.nameBuf);
      cdSize += 46 + e.nameBuf.length;
    }
    for (const p of parts) this.sink.write(p);
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(this.central.length, 8);
    end.writeUInt16LE(this.central.length, 10);
    end.writeUInt32LE(cdSize, 12);
    end.writeUInt32LE(cdStart, 16);
    this.sink.write(end);
    return this.sink.close();
  }
}

/** Reads a small zip held in memory: [{ name, method, crc, usize, data (compressed) }], files only. */
export function readZip(buf, label = 'zip') {
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65557); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error(`${label}: no end of central directory`);
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const out = [];
  for (let i = 0; i < count; i++) {
    if (buf.readUInt32LE(p) !== 0x02014b50)
      throw new Error(`${label}: bad central directory entry ${i}`);
    const method = buf.readUInt16LE(p + 10);
    const crc = buf.readUInt32LE(p + 16);
    const csize = buf.readUInt32LE(p + 20);
    const usize = buf.readUInt32LE(p + 24);
    const nl = buf.readUInt16LE(p + 28);
    const xl = buf.readUInt16LE(p + 30);
    const cl = buf.readUInt16LE(p + 32);
    const lho = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nl);
    p += 46 + nl + xl + cl;
    if (name.endsWith('/')) continue;
    if (buf.readUInt32LE(lho) !== 0x04034b50)
      throw new Error(`${label}: bad local header for ${name}`);
    const ds = lho + 30 + buf.readUInt16LE(lho + 26) + buf.readUInt16LE(lho + 28);
    out.push({ name, method, crc, usize, data: buf.subarray(ds, ds + csize) });
  }
  return out;
}

/** Uncompressed bytes of an entry returned by readZip. */
export function entryBytes(e) {
  return e.method === 0 ? e.data : zlib.inflateRawSync(e.data);
}
