import path from 'node:path';
import { isCommandId } from './command-id';
import { readJsonFile, writeFileAtomic } from './state-dir';

export const EXECUTED_LOG_FILE = 'executed-commands.json';
export const DEFAULT_EXECUTED_LOG_CAPACITY = 10_000;

/** Final outcome of a command, kept so that a redelivered command is acked, not re-run. */
export interface ExecutedCommand {
  id: string;
  state: 'succeeded' | 'failed' | 'expired' | 'cancelled';
  totalChunks: number;
  message: string;
  atMs: number;
  /**
   * Whether the controller is known to have processed the final update. False until then,
   * so that a restarted agent reports the outcome again (absent in old files: true).
   */
  confirmed?: boolean;
}

/**
 * Ids of commands this agent already ran, with their outcome, persisted atomically in
 * the state directory. Bounded: beyond `capacity` the oldest entries are forgotten; the
 * controller does not redeliver commands that old (they have expired by then).
 */
export class ExecutedLog {
  private readonly entries = new Map<string, ExecutedCommand>();
  /** Writes run one after another so that an older snapshot never lands last. */
  private writing: Promise<void> = Promise.resolve();
  /** Entries of the file left out on open: not the outcome of a command id this agent takes. */
  skipped = 0;

  private constructor(
    private readonly file: string,
    private readonly capacity: number,
  ) {}

  static async open(
    stateDir: string,
    capacity = DEFAULT_EXECUTED_LOG_CAPACITY,
  ): Promise<ExecutedLog> {
    const log = new ExecutedLog(path.join(stateDir, EXECUTED_LOG_FILE), capacity);
    const raw = await readJsonFile(log.file);
    if (raw === undefined) return log;
    if (!Array.isArray(raw))
      throw new Error(`${log.file}: expected a JSON array of executed commands`);
    for (const entry of raw as unknown[]) {
      if (isExecutedCommand(entry)) log.entries.set(entry.id, entry);
      else log.skipped += 1;
    }
    log.trim();
    return log;
  }

  get(id: string): ExecutedCommand | undefined {
    return this.entries.get(id);
  }

  has(id: string): boolean {
    return this.entries.has(id);
  }

  get size(): number {
    return this.entries.size;
  }

  /** Records the outcome and persists it before returning. */
  async record(entry: ExecutedCommand): Promise<void> {
    this.entries.delete(entry.id);
    this.entries.set(entry.id, entry);
    this.trim();
    await this.persist();
  }

  private async persist(): Promise<void> {
    const write = this.writing.then(() =>
      writeFileAtomic(this.file, JSON.stringify([...this.entries.values()])),
    );
    this.writing = write.catch(() => undefined);
    await write;
  }

  /** Outcomes not yet known to have reached the controller, oldest first. */
  unconfirmed(): ExecutedCommand[] {
    return [...this.entries.values()].filter((e) => e.confirmed === false);
  }

  /** The controller processed the final updates of `ids`. */
  async confirm(ids: string[]): Promise<void> {
    let changed = false;
    for (const id of ids) {
      const entry = this.entries.get(id);
      if (!entry || entry.confirmed !== false) continue;
      entry.confirmed = true;
      changed = true;
    }
    if (changed) await this.persist();
  }

  private trim(): void {
    for (const id of this.entries.keys()) {
      if (this.entries.size <= this.capacity) return;
      this.entries.delete(id);
    }
  }
}

const STATES: ReadonlySet<unknown> = new Set<ExecutedCommand['state']>([
  'succeeded',
  'failed',
  'expired',
  'cancelled',
]);

/** An entry read back from the file: its id is sent to the controller again, so it is checked. */
function isExecutedCommand(value: unknown): value is ExecutedCommand {
  const e = value as Partial<ExecutedCommand> | null;
  return (
    typeof e === 'object' &&
    e !== null &&
    isCommandId(e.id) &&
    STATES.has(e.state) &&
    Number.isSafeInteger(e.totalChunks) &&
    typeof e.message === 'string' &&
    typeof e.atMs === 'number'
  );
}
