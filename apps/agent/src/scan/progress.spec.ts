import { ProgressLine } from './progress';

const p = (files: number) => ({
  files,
  directories: 1,
  archives: 2,
  bytes: 2048,
  findings: 1,
  errors: 0,
});

describe('ProgressLine', () => {
  it('redraws in place at most 4 times a second and erases itself at the end', () => {
    const writes: string[] = [];
    let now = 1000;
    const line = new ProgressLine({ write: (t) => writes.push(t) }, () => now);
    line.update(p(1));
    now += 100;
    line.update(p(2)); // too soon: skipped
    now += 200;
    line.update(p(3));
    line.clear();
    expect(writes).toEqual([
      '\r\x1b[Kscanning: 1 files, 2 archives, 2.0 KiB, 1 findings, 0 errors',
      '\r\x1b[Kscanning: 3 files, 2 archives, 2.0 KiB, 1 findings, 0 errors',
      '\r\x1b[K',
    ]);
  });

  it('fits the line in the terminal width', () => {
    const writes: string[] = [];
    new ProgressLine({ write: (t) => writes.push(t), columns: 20 }).update(p(1));
    expect(writes[0]).toBe('\r\x1b[Kscanning: 1 files, ');
  });
});
