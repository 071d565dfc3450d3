import { closeSync, openSync, writeSync, promises as fsp } from 'node:fs';

/**
 * Length-prefixed records appended to a file, so a scan with a million findings costs
 * disk, not memory. Writes are synchronous because the scanner's sink is synchronous;
 * each is one small write(2) to a local file.
 */
export class SpoolWriter {
  private fd: number | undefined;
  private records = 0;

  constructor(readonly file: string) {
    this.fd = openSync(file, 'w', 0o600);
  }

  append(record: Uint8Array): void {
    if (this.fd === undefined) throw new Error(`spool ${this.file} is closed`);
    if (record.length > MAX_SPOOL_RECORD)
      throw new Error(`spool ${this.file}: a record of ${record.length} bytes is too large`);
    const frame = Buffer.allocUnsafe(4 + record.length);
    frame.writeUInt32BE(record.length, 0);
    frame.set(record, 4);
    writeSync(this.fd, frame);
    this.records += 1;
  }

  get count(): number {
    return this.records;
  }

  close(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
  }
}

const READ_BLOCK = 1024 * 1024;
/** Far above any Finding or ScanError message: a length beyond it is a damaged file. */
export const MAX_SPOOL_RECORD = 16 * 1024 * 1024;

/** Reads back what a SpoolWriter wrote, one record at a time, one block in memory. */
export class SpoolReader {
  private buffered = Buffer.alloc(0);
  private position = 0;
  private eof = false;

  private constructor(
    private readonly handle: fsp.FileHandle,
    private readonly file: string,
  ) {}

  static async open(file: string): Promise<SpoolReader> {
    return new SpoolReader(await fsp.open(file, 'r'), file);
  }

  async next(): Promise<Uint8Array | undefined> {
    if (!(await this.fill(4))) return undefined;
    const length = this.buffered.readUInt32BE(0);
    // The length comes from a file: bounded before it sizes a buffer.
    if (length > MAX_SPOOL_RECORD)
      throw new Error(`spool ${this.file} is damaged: a record of ${length} bytes`);
    if (!(await this.fill(4 + length))) throw new Error(`spool ${this.file} ends inside a record`);
    const record = this.buffered.subarray(4, 4 + length);
    this.buffered = this.buffered.subarray(4 + length);
    return record;
  }

  /** Up to `max` records. */
  async take(max: number): Promise<Uint8Array[]> {
    const out: Uint8Array[] = [];
    while (out.length < max) {
      const record = await this.next();
      if (!record) break;
      out.push(record);
    }
    return out;
  }

  async close(): Promise<void> {
    await this.handle.close();
  }

  private async fill(wanted: number): Promise<boolean> {
    while (this.buffered.length < wanted && !this.eof) {
      const block = Buffer.allocUnsafe(Math.max(READ_BLOCK, wanted));
      const { bytesRead } = await this.handle.read(block, 0, block.length, this.position);
      if (bytesRead === 0) this.eof = true;
      this.position += bytesRead;
      this.buffered = Buffer.concat([this.buffered, block.subarray(0, bytesRead)]);
    }
    if (this.buffered.length >= wanted) return true;
    if (this.buffered.length > 0) throw new Error(`spool ${this.file} ends inside a record`);
    return false;
  }
}
