import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { RootFs } from './root-fs';

let root: string;

beforeAll(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'rootfs-'));
  mkdirSync(path.join(root, 'var/log'), { recursive: true });
  writeFileSync(
    path.join(root, 'var/log/records'),
    Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 256)),
  );
  writeFileSync(path.join(root, 'var/log/x.gz'), gzipSync('hello\n'));
  writeFileSync(path.join(root, 'var/log/bad.gz'), 'not gzip');
  execFileSync('mkfifo', [path.join(root, 'var/log/fifo')]);
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('RootFs', () => {
  it('reads every path under its root', async () => {
    const fs = new RootFs(root);
    expect(await fs.readMaybeGzText('/var/log/x.gz')).toBe('hello\n');
    expect(await fs.readText('/etc/absent')).toBeUndefined();
    expect(fs.warnings).toEqual([]);
  });

  it('warns instead of throwing on a corrupt gzip, and never blocks on a FIFO', async () => {
    const fs = new RootFs(root);
    expect(await fs.readMaybeGzText('/var/log/bad.gz')).toBeUndefined();
    expect(await fs.readText('/var/log/fifo')).toBeUndefined();
    expect(fs.warnings.map((w) => w.file)).toEqual(['/var/log/bad.gz', '/var/log/fifo']);
  });

  it('reads a tail that starts on a record boundary', async () => {
    const tail = await new RootFs(root).readTail('/var/log/records', 500, 384);
    // 1000 bytes, at most 500 wanted: the first record boundary at or after byte 500 is 768.
    expect(tail?.length).toBe(232);
    expect(tail?.[0]).toBe(768 % 256);
  });
});
