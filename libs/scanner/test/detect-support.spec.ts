import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildZip,
  listFixtures,
  readFixtureEntries,
  readZipEntries,
  relocate,
  renameExt,
  without,
  writeZip,
} from './support/jar-builder';

describe('jar-builder test helpers', () => {
  it('round-trips stored and deflated entries, with a launch script in front', async () => {
    const script = Buffer.from('#!/bin/sh\nexec java -jar "$0" "$@"\n');
    const zip = await buildZip(
      [
        { name: 'a.txt', data: Buffer.from('hello') },
        { name: 'BOOT-INF/lib/x.jar', data: Buffer.from('inner bytes'), store: true },
      ],
      { prefix: script },
    );
    expect(zip.subarray(0, script.length).equals(script)).toBe(true);
    const back = readZipEntries(zip);
    expect(back.map((e) => [e.name, e.data.toString(), e.store])).toEqual([
      ['a.txt', 'hello', false],
      ['BOOT-INF/lib/x.jar', 'inner bytes', true],
    ]);
  });

  it('writes a zip that the system unzip accepts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jar-builder-'));
    try {
      const path = join(dir, 'x.jar');
      await writeZip(path, [
        { name: 'META-INF/MANIFEST.MF', data: Buffer.from('Manifest-Version: 1.0\n') },
      ]);
      expect(execFileSync('unzip', ['-Z1', path]).toString().trim()).toBe('META-INF/MANIFEST.MF');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads every slim corpus fixture', async () => {
    const names = await listFixtures();
    expect(names).toContain('log4j-core-2.14.1.jar');
    for (const name of names) {
      const entries = await readFixtureEntries(name);
      expect(entries.some((e) => e.name === 'META-INF/MANIFEST.MF')).toBe(true);
    }
  });

  it('relocates, renames and filters entries', () => {
    const entries = [
      { name: 'org/apache/logging/log4j/core/LogEvent.class', data: Buffer.from('1') },
      { name: 'META-INF/MANIFEST.MF', data: Buffer.from('2') },
    ];
    const moved = relocate(entries, 'org/apache/logging/', 'shaded/org/apache/logging/');
    expect(moved.map((e) => e.name)).toEqual([
      'shaded/org/apache/logging/log4j/core/LogEvent.class',
      'META-INF/MANIFEST.MF',
    ]);
    expect(renameExt(moved, '.class', '.esclazz')[0]?.name).toBe(
      'shaded/org/apache/logging/log4j/core/LogEvent.esclazz',
    );
    expect(without(entries, (e) => e.name.startsWith('META-INF/')).map((e) => e.name)).toEqual([
      'org/apache/logging/log4j/core/LogEvent.class',
    ]);
  });
});
