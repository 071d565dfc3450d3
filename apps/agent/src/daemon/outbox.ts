import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { UploadResultsRequest } from '@log4fleet/contracts';
import { isCommandId } from './command-id';
import {
  confinedPath,
  ensurePrivateDir,
  errorMessage,
  removeStaleTempFiles,
  writeFileAtomic,
} from './state-dir';

export const OUTBOX_DIR = 'outbox';
const REJECTED_DIR = 'rejected';
const CHUNK_SUFFIX = '.chunk';

export interface OutboxEntry {
  /** File name inside the outbox directory. */
  name: string;
  commandId: string;
  sequence: number;
}

/**
 * Result chunks waiting for the controller, one file per UploadResultsRequest (protobuf
 * bytes). A chunk is written atomically and deleted only after the controller answered
 * for it, so a crash or an outage at any point loses nothing and at worst re-sends a
 * chunk the controller then reports as a duplicate.
 */
export class Outbox {
  readonly dir: string;
  private readonly listeners = new Set<() => void>();

  private constructor(stateDir: string) {
    this.dir = path.join(stateDir, OUTBOX_DIR);
  }

  static async open(stateDir: string): Promise<Outbox> {
    const outbox = new Outbox(stateDir);
    await ensurePrivateDir(outbox.dir);
    await removeStaleTempFiles(outbox.dir);
    return outbox;
  }

  async put(chunk: UploadResultsRequest): Promise<OutboxEntry> {
    const name = chunkFileName(chunk.commandId, chunk.sequence);
    await writeFileAtomic(
      confinedPath(this.dir, name),
      UploadResultsRequest.encode(chunk).finish(),
    );
    for (const notify of this.listeners) notify();
    return { name, commandId: chunk.commandId, sequence: chunk.sequence };
  }

  /** Chunks in upload order: oldest command first, then by sequence. */
  async list(): Promise<OutboxEntry[]> {
    const names = (await fsp.readdir(this.dir)).filter((n) => n.endsWith(CHUNK_SUFFIX));
    const withTimes = await Promise.all(
      names.map(async (name) => {
        const stat = await fsp.stat(confinedPath(this.dir, name)).catch(() => undefined);
        return { entry: parseChunkFileName(name), mtimeMs: stat?.mtimeMs ?? 0 };
      }),
    );
    const firstSeen = new Map<string, number>();
    for (const { entry, mtimeMs } of withTimes) {
      if (!entry) continue;
      firstSeen.set(entry.commandId, Math.min(firstSeen.get(entry.commandId) ?? Infinity, mtimeMs));
    }
    return withTimes
      .flatMap(({ entry }) => (entry ? [entry] : []))
      .sort(
        (a, b) =>
          (firstSeen.get(a.commandId) ?? 0) - (firstSeen.get(b.commandId) ?? 0) ||
          a.commandId.localeCompare(b.commandId) ||
          a.sequence - b.sequence,
      );
  }

  async count(): Promise<number> {
    const names = await fsp.readdir(this.dir).catch(() => [] as string[]);
    return names.filter((n) => n.endsWith(CHUNK_SUFFIX)).length;
  }

  /**
   * The chunk, or undefined when it is gone (already acknowledged). Throws, naming the file,
   * when it does not hold a chunk of the command its name says.
   */
  async read(entry: OutboxEntry): Promise<UploadResultsRequest | undefined> {
    const file = confinedPath(this.dir, entry.name);
    let bytes: Buffer;
    try {
      bytes = await fsp.readFile(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    let chunk: UploadResultsRequest;
    try {
      chunk = UploadResultsRequest.decode(bytes);
    } catch (err) {
      throw new UnreadableChunkError(`${file} is not a result chunk: ${errorMessage(err)}`);
    }
    if (chunk.commandId !== entry.commandId || chunk.sequence !== entry.sequence) {
      throw new UnreadableChunkError(
        `${file} holds chunk ${chunk.sequence} of command ${JSON.stringify(chunk.commandId)}, not what its name says`,
      );
    }
    return chunk;
  }

  /** Called once the controller answered for the chunk (stored or duplicate). */
  async acknowledge(entry: OutboxEntry): Promise<void> {
    await fsp.rm(confinedPath(this.dir, entry.name), { force: true });
  }

  /**
   * Moves a chunk the controller refused for good (malformed, unknown command) aside, so
   * that it neither blocks the chunks behind it nor disappears without a trace.
   */
  async reject(entry: OutboxEntry): Promise<string> {
    const rejectedDir = path.join(this.dir, REJECTED_DIR);
    await ensurePrivateDir(rejectedDir);
    const target = confinedPath(rejectedDir, entry.name);
    await fsp.rename(confinedPath(this.dir, entry.name), target);
    return target;
  }

  /** Calls `listener` after every put; returns the unsubscribe function. */
  onPut(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** A chunk file the outbox cannot upload: set aside rather than retried. */
export class UnreadableChunkError extends Error {}

export function chunkFileName(commandId: string, sequence: number): string {
  if (!isCommandId(commandId)) {
    throw new Error(
      `command id ${JSON.stringify(commandId)} is not usable as a file name (expected a lowercase UUID)`,
    );
  }
  if (!Number.isSafeInteger(sequence) || sequence < 0) {
    throw new Error(`chunk sequence ${sequence} of command ${commandId} is not a count`);
  }
  return `${commandId}.${String(sequence).padStart(6, '0')}${CHUNK_SUFFIX}`;
}

function parseChunkFileName(name: string): OutboxEntry | undefined {
  const match = /^([0-9a-f-]{36})\.(\d{6,15})\.chunk$/.exec(name);
  if (!match || !isCommandId(match[1])) return undefined;
  return { name, commandId: match[1], sequence: Number(match[2]) };
}
