import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { rawUserArguments, withRawBytes } from './raw-argv';

const latin1Cafe = Buffer.concat([Buffer.from('/srv/caf'), Buffer.of(0xe9)]);
const latin1Cafe2 = Buffer.concat([Buffer.from('/srv/caf'), Buffer.of(0xe8)]);

describe('raw command-line arguments', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(path.join(tmpdir(), 'raw-argv-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function cmdline(args: Buffer[]): string {
    const file = path.join(dir, `cmdline-${args.length}`);
    writeFileSync(file, Buffer.concat(args.flatMap((a) => [a, Buffer.of(0)])));
    return file;
  }

  it('gives the exact bytes of the user arguments, whatever Node put before them', () => {
    const raw = [
      Buffer.from('node'),
      Buffer.from('--enable-source-maps'),
      Buffer.from('main.js'),
      Buffer.from('scan'),
      latin1Cafe,
    ];
    const argv = ['/usr/bin/node', '/x/main.js', 'scan', latin1Cafe.toString('utf8')];
    expect(rawUserArguments(argv, cmdline(raw))).toEqual([Buffer.from('scan'), latin1Cafe]);
  });

  it('gives nothing when the command line does not match process.argv or cannot be read', () => {
    const raw = [Buffer.from('node'), Buffer.from('main.js'), Buffer.from('other')];
    expect(rawUserArguments(['node', 'main.js', 'scan'], cmdline(raw))).toBeUndefined();
    expect(rawUserArguments(['node', 'main.js'], path.join(dir, 'missing'))).toBeUndefined();
  });

  it('maps each lossily decoded PATH to its own bytes, in order; valid UTF-8 stays a string', () => {
    const raw = [
      Buffer.from('scan'),
      Buffer.from('--json'),
      latin1Cafe,
      Buffer.from('/opt'),
      latin1Cafe2,
    ];
    const lossy = latin1Cafe.toString('utf8');
    expect(lossy).toBe(latin1Cafe2.toString('utf8'));
    expect(withRawBytes([lossy, '/opt', lossy], raw)).toEqual([latin1Cafe, '/opt', latin1Cafe2]);
    expect(withRawBytes([lossy], undefined)).toEqual([lossy]);
    // A real U+FFFD in valid UTF-8 is not a decoding loss.
    expect(withRawBytes(['/srv/\uFFFD'], [Buffer.from('/srv/\uFFFD')])).toEqual(['/srv/\uFFFD']);
  });
});
