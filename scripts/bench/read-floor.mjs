// The I/O floor: reads every byte of the listed files once, sequentially, into one reused
// 4 MiB buffer. Usage: node read-floor.mjs LISTFILE   (one absolute path per line)
//                      node read-floor.mjs --tree DIR (every regular file under DIR; used to warm the page cache)
import fs from 'node:fs';
import path from 'node:path';

const buf = Buffer.allocUnsafe(4 << 20);
let files = 0;
let bytes = 0;

function readAll(p) {
  const fd = fs.openSync(p, 'r');
  try {
    let n;
    while ((n = fs.readSync(fd, buf, 0, buf.length, null)) > 0) bytes += n;
  } finally {
    fs.closeSync(fd);
  }
  files++;
}

function walk(dir) {
  for (const d of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, d.name);
    if (d.isDirectory()) walk(p);
    else if (d.isFile()) readAll(p);
  }
}

const [mode, arg] = process.argv.slice(2);
if (mode === '--tree') walk(arg);
else for (const p of fs.readFileSync(mode, 'utf8').split('\n')) if (p) readAll(p);
process.stdout.write(JSON.stringify({ files, bytes }) + '\n');
