import { errorLine, factLine, findingLine, summaryLine } from './report-jsonl';
import { finding, flagFact, indicatorFact, scanError, summary } from './report-fixtures';

describe('JSON lines', () => {
  it('writes what running JVMs showed as typed jvm-flag and jvm-indicator records', () => {
    const flag = JSON.parse(factLine(flagFact()));
    expect(flag).toEqual({
      type: 'jvm-flag',
      process: { pid: 4242, user: 'app', uid: 1001, main: 'com.acme.Main', container: null },
      name: 'log4j2.formatMsgNoLookups',
      value: 'true',
      source: 'command-line',
      what: expect.stringContaining('Disables'),
      effect: 'partial-mitigation',
      covers: ['CVE-2021-44228 through message lookups, on log4j-core 2.10.0 to 2.14.1 only'],
      doesNotCover: [
        'CVE-2021-45046 (lookups through Thread Context data in non-default patterns)',
      ],
      note: 'partial: 2.14.1 keeps CVE-2021-45046',
    });
    const ind = JSON.parse(factLine(indicatorFact()));
    expect(ind).toMatchObject({
      type: 'jvm-indicator',
      service: 'LDAP',
      protocol: 'tcp',
      state: 'ESTABLISHED',
      remote: { address: '127.0.0.1', port: 1389 },
      process: { pid: 4242 },
    });
  });

  it('writes a finding as one line with every documented field', () => {
    const line = findingLine(finding());
    expect(line).not.toContain('\n');
    expect(JSON.parse(line)).toEqual({
      type: 'finding',
      path: '/srv/app/app.war!/WEB-INF/lib/log4j-core-2.14.1.jar',
      chain: ['/srv/app/app.war', 'WEB-INF/lib/log4j-core-2.14.1.jar'],
      product: 'log4j-core',
      version: '2.14.1',
      versionExact: true,
      status: 'vulnerable',
      cves: ['CVE-2021-44228', 'CVE-2021-44832', 'CVE-2021-45046', 'CVE-2021-45105'],
      evidence: ['JndiManager.class md5 f1d630c48928096a484e4b95ccb162a0 = 2.14.x'],
      packageRoot: 'org/apache/logging/log4j/',
      sha256: 'ab'.repeat(32),
    });
  });

  it('keeps sha256 as null for an exploded directory and carries raw path bytes when present', () => {
    const parsed = JSON.parse(
      findingLine(finding({ sha256: undefined, pathBytesBase64: 'L3Rt/w==' })),
    );
    expect(parsed.sha256).toBeNull();
    expect(parsed.pathBytesBase64).toBe('L3Rt/w==');
  });

  it('writes an error with its path, chain, code and sentence', () => {
    expect(JSON.parse(errorLine(scanError({ path: 'a\nb' })))).toEqual({
      type: 'error',
      path: 'a\nb',
      chain: ['/srv/broken.jar'],
      code: 'corrupt-archive',
      error: '/srv/broken.jar: end of central directory not found',
    });
  });

  it('ends with a summary carrying the counts, duration and exit code', () => {
    const parsed = JSON.parse(summaryLine(summary(), 2));
    expect(parsed).toMatchObject({
      type: 'summary',
      files: 10,
      archives: 4,
      findings: 2,
      errors: 1,
      vulnerable: 1,
      durationMs: 1234,
      exitCode: 2,
    });
  });
});
