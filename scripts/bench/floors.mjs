// Floors a scan is compared with, all plain C tools (find, head, cat) so they cost what the
// kernel costs, and the cold-cache switch. Used by bench-scan.mjs.
import fs from 'node:fs';
import { spawnSync } from 'node:child_process';

const q = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`;

/**
 * Shell commands (sh -c) of the floors:
 * - walk: `find -type f`, the directory walk alone;
 * - walkRead: find, then every archive read once: the warm target's reference;
 * - sniff: find, the first 4 bytes of every file, then every archive once: what any scanner
 *   that recognises archives by content must at least do (the cold target's reference).
 */
export function floorCommands(treeDir, archivesList) {
  const find = `find ${q(treeDir)} -type f`;
  const readArchives = `xargs -d '\\n' cat < ${q(archivesList)} > /dev/null`;
  return {
    walk: ['-c', `${find} > /dev/null`],
    walkRead: ['-c', `${find} > /dev/null && ${readArchives}`],
    sniff: ['-c', `${find} -print0 | xargs -0 head -qc4 > /dev/null && ${readArchives}`],
  };
}

/** Whether this process may drop the page cache (root, and /proc/sys/vm/drop_caches writable). */
export function canDropCaches() {
  if (process.getuid?.() !== 0) return false;
  try {
    fs.accessSync('/proc/sys/vm/drop_caches', fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** sync, then `echo 3 > /proc/sys/vm/drop_caches`: page cache, dentries and inodes. */
export function dropCaches() {
  spawnSync('sync');
  fs.writeFileSync('/proc/sys/vm/drop_caches', '3\n');
}
