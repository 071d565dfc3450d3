import { readFileSync } from 'node:fs';
import path from 'node:path';
import { RootFs } from '../util/root-fs';
import { collectPackages } from './collect-packages';
import { parseDpkgStatus } from './dpkg-status';
import { parseRpmQa } from './rpm';

const RPM_FIXTURE = path.join(__dirname, '../../test/fixtures/rpm/rpm-qa.txt');

describe('parseDpkgStatus', () => {
  it('keeps installed packages only, with the source package when it differs', () => {
    const text = [
      'Package: liblog4j2-java',
      'Status: install ok installed',
      'Architecture: all',
      'Source: apache-log4j2 (2.17.1-1)',
      'Version: 2.17.1-1~deb11u1',
      'Description: Apache Log4j2',
      ' continuation: not a field',
      '',
      'Package: old-thing',
      'Status: deinstall ok config-files',
      'Version: 1.0',
      '',
      'Package: noversion',
      'Status: install ok installed',
      '',
      'garbage line',
      '',
    ].join('\n');
    const { value, warnings } = parseDpkgStatus(text, 'status');
    expect(value).toEqual([
      {
        manager: 'dpkg',
        name: 'liblog4j2-java',
        version: '2.17.1-1~deb11u1',
        arch: 'all',
        sourcePackage: 'apache-log4j2',
      },
    ]);
    expect(warnings.map((w) => [w.line, w.message])).toEqual([
      [16, 'not a "Field: value" line'],
      [13, 'installed package noversion has no Version'],
    ]);
  });
});

describe('parseRpmQa', () => {
  it('reads rpm -qa output: epoch:version-release, source names, no gpg-pubkey', () => {
    const { value, warnings } = parseRpmQa(readFileSync(RPM_FIXTURE, 'utf8'));
    expect(value.map((p) => [p.name, p.version, p.arch, p.sourcePackage])).toEqual([
      ['bash', '4.4.20-4.el8_6', 'x86_64', undefined],
      ['log4j', '2.14.1-1.el8', 'noarch', undefined],
      ['openssl-libs', '1:1.1.1k-9.el8_7', 'x86_64', 'openssl'],
      ['java-11-openjdk-headless', '1:11.0.18.0.10-2.el8_7', 'x86_64', 'java-11-openjdk'],
      ['elasticsearch', '7.10.2-1', 'x86_64', undefined],
    ]);
    expect(warnings).toEqual([
      {
        file: 'rpm -qa',
        line: 7,
        message: 'not a NAME EPOCH VERSION RELEASE ARCH SOURCERPM line',
      },
    ]);
  });
});

describe('collectPackages', () => {
  it("reads this machine's /var/lib/dpkg/status: every installed stanza, sorted", async () => {
    const status = readFileSync('/var/lib/dpkg/status', 'utf8');
    const installed = status
      .split(/\n\n+/)
      .filter((s) => /^Status: \S+ \S+ installed$/m.test(s))
      .map((s) => /^Package: (.+)$/m.exec(s)?.[1]);
    const fs = new RootFs('/');
    const packages = await collectPackages(fs, () => Promise.resolve(undefined));
    expect(packages.length).toBe(installed.length);
    expect(packages.map((p) => p.name).sort()).toEqual([...installed].sort());
    const dpkg = packages.find((p) => p.name === 'dpkg');
    expect(dpkg?.version).toBe(/^Version: (.+)$/m.exec(status.split(/^Package: dpkg$/m)[1])?.[1]);
    expect(fs.warnings.filter((w) => w.file === '/var/lib/dpkg/status')).toEqual([]);
  });

  it('adds what rpm reports after the dpkg packages', async () => {
    const fs = new RootFs('/nonexistent-root');
    const packages = await collectPackages(fs, () =>
      Promise.resolve(readFileSync(RPM_FIXTURE, 'utf8')),
    );
    expect(packages.map((p) => `${p.manager} ${p.name}`)).toEqual([
      'rpm bash',
      'rpm elasticsearch',
      'rpm java-11-openjdk-headless',
      'rpm log4j',
      'rpm openssl-libs',
    ]);
  });
});
