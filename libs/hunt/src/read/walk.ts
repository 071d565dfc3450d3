import { lstat, opendir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { HuntError } from '../types';

export interface LogFile {
  /** What to open (may be /proc/PID/fd/N). */
  path: string;
  /** What to report, when not `path` (the file a JVM has open, as it named it). */
  display?: string;
}

/**
 * Names of logs and their rotations: app.log, app.log.1, app.log.2.gz, app-2021-12-10.log.gz,
 * catalina.out, catalina.2021-12-10.log, localhost_access_log.2021-12-10.txt, syslog.1,
 * messages-20211210, *-json.log (docker).
 */
const LOG_NAME =
  /(?:\.(?:log|out|err|txt|json|jsonl|trace)(?:[.-][\w.-]*)?|^(?:syslog|messages|daemon|kern|auth|secure|access|error|catalina|localhost|stdout|stderr|gc)(?:[._-][\w.-]*)?)$/i;

export function looksLikeLog(name: string): boolean {
  return LOG_NAME.test(name);
}

export interface WalkOptions {
  logNamesOnly: boolean;
  maxFiles: number;
}

/**
 * Files under the given paths, depth first in name order. A path given is read whatever its
 * name; in directories symlinks are not followed (no loops, no file read twice).
 */
export async function* walkLogFiles(
  roots: LogFile[],
  opts: WalkOptions,
  onError: (e: HuntError) => void,
): AsyncGenerator<LogFile> {
  let count = 0;
  const seen = new Set<string>();
  for (const root of roots) {
    const shown = root.display ?? root.path;
    let st;
    try {
      st = await stat(root.path);
    } catch (err) {
      onError({
        path: shown,
        code: (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'not-found' : 'unreadable',
        error: err instanceof Error ? err.message : String(err),
      });
      continue;
    }
    if (!st.isDirectory()) {
      const key = `${st.dev}:${st.ino}`;
      if (seen.has(key)) continue;
      seen.add(key);
      if (++count > opts.maxFiles) {
        onError({
          path: shown,
          code: 'too-many-files',
          error: `more than ${opts.maxFiles} files: the rest was not read`,
        });
        return;
      }
      yield root;
      continue;
    }
    const stack = [root.path];
    while (stack.length > 0) {
      const dir = stack.pop() as string;
      let entries: string[] = [];
      try {
        const handle = await opendir(dir);
        for await (const e of handle) {
          if (e.isDirectory()) entries.push(`d${e.name}`);
          else if (e.isFile()) entries.push(`f${e.name}`);
        }
      } catch (err) {
        onError({
          path: dir,
          code: 'unreadable',
          error: err instanceof Error ? err.message : String(err),
        });
        continue;
      }
      entries = entries.sort((a, b) => (a.slice(1) < b.slice(1) ? -1 : 1));
      const subdirs: string[] = [];
      for (const e of entries) {
        const full = path.join(dir, e.slice(1));
        if (e[0] === 'd') {
          subdirs.push(full);
          continue;
        }
        if (opts.logNamesOnly && !looksLikeLog(e.slice(1))) continue;
        const info = await lstat(full).catch(() => undefined);
        if (!info) continue;
        const key = `${info.dev}:${info.ino}`;
        if (seen.has(key)) continue;
        seen.add(key);
        if (++count > opts.maxFiles) {
          onError({
            path: full,
            code: 'too-many-files',
            error: `more than ${opts.maxFiles} files: the rest was not read`,
          });
          return;
        }
        yield { path: full };
      }
      stack.push(...subdirs.reverse());
    }
  }
}
