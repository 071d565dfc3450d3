import { spawn } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { errorMessage, QuarantineError, QuarantineErrorCode } from './errors';
import { deleteTransaction, TABLE, type Expr } from './ruleset';

export interface ToolRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Paths of the two tools; PATH lookup by default (systemd's PATH has /usr/sbin). */
export interface ToolPaths {
  nft?: string;
  conntrack?: string;
}

const TOOL_TIMEOUT_MS = 15_000;
const OUTPUT_CAP = 8 << 20;

/** Runs `bin args` with optional stdin, bounded in time and output; a missing binary is `missing`. */
export function runTool(
  bin: string,
  args: string[],
  input: string | undefined,
  missing: QuarantineErrorCode,
): Promise<ToolRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['pipe', 'pipe', 'pipe'], timeout: TOOL_TIMEOUT_MS });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      if (stdout.length < OUTPUT_CAP) stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      if (stderr.length < OUTPUT_CAP) stderr += d.toString();
    });
    child.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') {
        reject(
          new QuarantineError(
            missing,
            `${bin} is not installed (install the ${missing === QuarantineErrorCode.NftMissing ? 'nftables' : 'conntrack'} package)`,
            { cause: err },
          ),
        );
        return;
      }
      reject(
        new QuarantineError(QuarantineErrorCode.ToolFailed, `cannot run ${bin}: ${err.message}`, {
          cause: err,
        }),
      );
    });
    child.stdin.on('error', () => undefined);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

/** The agent's nftables table through the `nft` tool: apply, read back, delete. */
export class Nft {
  constructor(private readonly bin = 'nft') {}

  /** Applies one JSON transaction (`nft -j -f -`): all of it or, if the kernel refuses any part, none. */
  async apply(transaction: { nftables: Expr[] }): Promise<void> {
    // A file, not stdin: nft opens /dev/stdin, which fails on the socket Node gives a child.
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'log4fleet-nft-'));
    try {
      const file = path.join(dir, 'ruleset.json');
      await fsp.writeFile(file, JSON.stringify(transaction), { mode: 0o600 });
      const run = await runTool(
        this.bin,
        ['-j', '-f', file],
        undefined,
        QuarantineErrorCode.NftMissing,
      );
      if (run.code !== 0) throw nftFailure('apply the ruleset', run);
    } finally {
      await fsp.rm(dir, { recursive: true, force: true });
    }
  }

  /** `nft -j list table inet log4fleet` parsed, or null when the table does not exist. */
  async listTable(): Promise<unknown> {
    const run = await runTool(
      this.bin,
      ['-j', 'list', 'table', TABLE.family, TABLE.name],
      undefined,
      QuarantineErrorCode.NftMissing,
    );
    if (run.code !== 0) {
      if (/No such file or directory/i.test(run.stderr)) return null;
      throw nftFailure('read back the table', run);
    }
    try {
      return JSON.parse(run.stdout) as unknown;
    } catch (err) {
      throw new QuarantineError(
        QuarantineErrorCode.ToolFailed,
        `nft printed no JSON listing: ${errorMessage(err)}`,
      );
    }
  }

  /** The table in nft's own text form (evidence for a human), or null when absent. */
  async listTableText(): Promise<string | null> {
    const run = await runTool(
      this.bin,
      ['list', 'table', TABLE.family, TABLE.name],
      undefined,
      QuarantineErrorCode.NftMissing,
    );
    if (run.code !== 0) {
      if (/No such file or directory/i.test(run.stderr)) return null;
      throw nftFailure('list the table', run);
    }
    return run.stdout;
  }

  async deleteTable(): Promise<void> {
    await this.apply(deleteTransaction());
  }
}

/** A table listing turned back into the transaction that recreates it exactly (rollback). */
export function restoreTransaction(listing: unknown): { nftables: Expr[] } {
  const items = ((listing as { nftables?: unknown[] } | null)?.nftables ?? []) as Record<
    string,
    unknown
  >[];
  const adds: Expr[] = [];
  for (const item of items) {
    const [kind, body] = Object.entries(item)[0] ?? [];
    if (!kind || kind === 'metainfo' || typeof body !== 'object' || body === null) continue;
    const { handle: _handle, ...rest } = body as Record<string, unknown>;
    void _handle;
    adds.push({ add: { [kind]: rest } });
  }
  const table = deleteTransaction().nftables;
  return { nftables: [...table, ...adds] };
}

function nftFailure(what: string, run: ToolRun): QuarantineError {
  const detail =
    run.stderr.trim().split('\n').slice(0, 6).join(' | ') || `exit code ${String(run.code)}`;
  if (/Operation not permitted|you must be root|Permission denied/i.test(run.stderr)) {
    return new QuarantineError(
      QuarantineErrorCode.NoPermission,
      `nft cannot ${what}: no permission (the agent needs root or CAP_NET_ADMIN): ${detail}`,
    );
  }
  return new QuarantineError(
    QuarantineErrorCode.RulesRejected,
    `nft refused to ${what}: ${detail}`,
  );
}
