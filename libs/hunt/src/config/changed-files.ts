import { lstat, opendir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parsePasswd } from '@log4fleet/inventory';
import type { HuntError } from '../types';

/** A file changed after the date the advisory names (December 1, 2021, or the admin's). */
export interface ChangedFile {
  path: string;
  /** Last content change, ISO 8601. */
  mtime: string;
  /** Last metadata change (owner, mode, rename): an attacker who resets mtime still moves ctime. */
  ctime: string;
  size: number;
  uid: number;
  /** The owner's name from /etc/passwd, when it has one. */
  owner?: string;
  /** Permission bits, octal (`0644`). */
  mode: string;
  /** Which time passed the date: `mtime`, or only `ctime` (content time set back, or a chmod/chown). */
  changed: 'mtime' | 'ctime';
}

export interface ChangedFilesOptions {
  /** Configuration and application directories (or files). */
  paths: string[];
  sinceMs: number;
  /** Walk bound. */
  maxFiles?: number;
  /** Where /etc/passwd is read from (tests point it at a fixture). */
  passwdFile?: string;
}

async function ownerNames(file: string): Promise<Map<number, string>> {
  try {
    const { value } = parsePasswd(await readFile(file, 'utf8'));
    return new Map(value.map((e) => [e.uid, e.name]));
  } catch {
    return new Map();
  }
}

/**
 * Files under the given directories changed at or after `sinceMs`, newest first. Symlinks are
 * reported as themselves (a config replaced by a link is a change), never followed.
 */
export async function findChangedFiles(
  opts: ChangedFilesOptions,
  onError: (e: HuntError) => void = () => undefined,
): Promise<ChangedFile[]> {
  const owners = await ownerNames(opts.passwdFile ?? '/etc/passwd');
  const maxFiles = opts.maxFiles ?? 200_000;
  const out: ChangedFile[] = [];
  let seen = 0;
  const visit = (file: string, st: Awaited<ReturnType<typeof lstat>>): void => {
    const m = Number(st.mtimeMs);
    const c = Number(st.ctimeMs);
    if (m < opts.sinceMs && c < opts.sinceMs) return;
    const uid = Number(st.uid);
    out.push({
      path: file,
      mtime: new Date(m).toISOString(),
      ctime: new Date(c).toISOString(),
      size: Number(st.size),
      uid,
      ...(owners.has(uid) ? { owner: owners.get(uid) } : {}),
      mode: `0${(Number(st.mode) & 0o7777).toString(8)}`,
      changed: m >= opts.sinceMs ? 'mtime' : 'ctime',
    });
  };
  const stack: string[] = [];
  for (const p of opts.paths) {
    try {
      const st = await lstat(p);
      if (st.isDirectory()) stack.push(p);
      else visit(p, st);
    } catch (err) {
      onError({ path: p, code: 'not-found', error: (err as Error).message });
    }
  }
  while (stack.length > 0) {
    const dir = stack.pop() as string;
    try {
      for await (const e of await opendir(dir)) {
        const full = path.join(dir, e.name);
        if (e.isDirectory()) {
          stack.push(full);
          continue;
        }
        if (++seen > maxFiles) {
          onError({
            path: dir,
            code: 'too-many-files',
            error: `more than ${maxFiles} files: the rest was not checked`,
          });
          return sortNewest(out);
        }
        const st = await lstat(full).catch(() => undefined);
        if (st) visit(full, st);
      }
    } catch (err) {
      onError({ path: dir, code: 'unreadable', error: (err as Error).message });
    }
  }
  return sortNewest(out);
}

function sortNewest(files: ChangedFile[]): ChangedFile[] {
  return files.sort((a, b) =>
    a.mtime < b.mtime ? 1 : a.mtime > b.mtime ? -1 : a.path.localeCompare(b.path),
  );
}
