import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';

export const DEFAULT_STATE_DIR = '/var/lib/log4fleet-agent';
const DIR_MODE = 0o700;
const FILE_MODE = 0o600;

/** The state directory from the flag, else LOG4FLEET_STATE_DIR, else the default. */
export function resolveStateDir(
  flag: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const chosen = flag ?? env['LOG4FLEET_STATE_DIR'] ?? DEFAULT_STATE_DIR;
  return path.resolve(chosen);
}

/**
 * `base` joined with `names`, each one plain file name (no separator, no "." or "..", no
 * NUL), and checked to resolve strictly inside `base`: the only way the agent turns data it
 * received (a command id, a file name read back from its state directory) into a path.
 */
export function confinedPath(base: string, ...names: string[]): string {
  const root = path.resolve(base);
  for (const name of names) {
    if (name === '' || name === '.' || name === '..' || /[/\\\0]/.test(name)) {
      throw new Error(`refusing ${JSON.stringify(name)} as a file name inside ${root}`);
    }
  }
  const result = path.resolve(root, ...names);
  const relative = path.relative(root, result);
  const outside = relative === '..' || relative.startsWith(`..${path.sep}`);
  if (relative === '' || outside || path.isAbsolute(relative)) {
    throw new Error(`refusing ${JSON.stringify(names.join('/'))}: it leaves ${root}`);
  }
  return result;
}

/** Creates `dir` (and parents) and forces mode 0700 on it: it holds the agent's secret. */
export async function ensurePrivateDir(dir: string): Promise<void> {
  try {
    await fsp.mkdir(dir, { recursive: true, mode: DIR_MODE });
    await fsp.chmod(dir, DIR_MODE);
  } catch (err) {
    throw new Error(`cannot create state directory ${dir}: ${errorMessage(err)}`, { cause: err });
  }
}

/**
 * Writes `data` to `file` so that a reader sees either the old or the new content, never a
 * torn one, even after a power cut: temp file in the same directory, fsync, rename, fsync
 * of the directory (the rename itself must reach the disk).
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.tmp-${path.basename(file)}-${randomBytes(6).toString('hex')}`);
  const handle = await fsp.open(tmp, 'wx', FILE_MODE);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (err) {
    await handle.close();
    await fsp.rm(tmp, { force: true });
    throw new Error(`cannot write ${file}: ${errorMessage(err)}`, { cause: err });
  }
  await handle.close();
  try {
    await fsp.rename(tmp, file);
  } catch (err) {
    await fsp.rm(tmp, { force: true });
    throw new Error(`cannot write ${file}: ${errorMessage(err)}`, { cause: err });
  }
  await syncDir(dir);
}

/** Removes temp files left by a process killed in the middle of writeFileAtomic. */
export async function removeStaleTempFiles(dir: string): Promise<number> {
  const names = await fsp.readdir(dir).catch(() => [] as string[]);
  const stale = names.filter((n) => n.startsWith('.tmp-'));
  await Promise.all(stale.map((n) => fsp.rm(path.join(dir, n), { force: true })));
  return stale.length;
}

export async function syncDir(dir: string): Promise<void> {
  const handle = await fsp.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Parsed JSON of `file`, or undefined when the file does not exist. */
export async function readJsonFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`cannot read ${file}: ${errorMessage(err)}`, { cause: err });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new Error(`${file} is not valid JSON: ${errorMessage(err)}`, { cause: err });
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
