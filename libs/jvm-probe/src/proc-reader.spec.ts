import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { classify, ProcReader } from './proc-reader';

const errno = (code: string): Error => Object.assign(new Error(code), { code });

describe('ProcReader', () => {
  it('classifies errno codes the way the report names them', () => {
    expect(['ENOENT', 'ESRCH', 'EACCES', 'EPERM', 'EIO'].map((c) => classify(errno(c)))).toEqual([
      'vanished',
      'vanished',
      'permission-denied',
      'permission-denied',
      'io-error',
    ]);
  });

  it('records a failed read with pid and file instead of throwing; quiet reads record nothing', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'proc-reader-'));
    try {
      mkdirSync(path.join(root, '7', 'environ'), { recursive: true });
      const proc = new ProcReader(root);
      expect(await proc.text(7, 'environ')).toBeUndefined();
      expect(await proc.text(7, 'cmdline', { quiet: true })).toBeUndefined();
      expect(proc.errors).toEqual([
        expect.objectContaining({
          pid: 7,
          path: path.join(root, '7', 'environ'),
          code: 'io-error',
        }),
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
