import { printable, renderTable } from './report-table';
import { finding, flagFact, indicatorFact, scanError, summary } from './report-fixtures';

describe('renderTable', () => {
  const safe = finding({
    path: '/a/safe.jar',
    chain: ['/a/safe.jar'],
    status: 'safe',
    cves: [],
    version: '2.17.1',
  });
  const vuln = finding({ path: '/z/vuln.jar', chain: ['/z/vuln.jar'] });

  it('lists vulnerable copies first with their CVEs, then errors and a summary', () => {
    const text = renderTable([safe, vuln], [scanError()], summary(), { color: false });
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^PATH\s+PRODUCT\s+VERSION\s+STATUS\s+CVES\s+WHY$/);
    expect(lines[1]).toMatch(
      /^\/z\/vuln\.jar\s+log4j-core\s+2\.14\.1\s+vulnerable\s+CVE-2021-44228 CVE-2021-44832/,
    );
    expect(lines[2]).toMatch(/^\/a\/safe\.jar\s+log4j-core\s+2\.17\.1\s+safe\s+-\s+JndiManager/);
    expect(text).toContain('Errors (1)');
    expect(text).toMatch(
      /\/srv\/broken\.jar\s+corrupt-archive\s+\/srv\/broken\.jar: end of central directory not found/,
    );
    expect(lines[lines.length - 1]).toBe(
      'Scanned 10 files (4 archives, 5.0 MiB) in 1.2 s: 1 vulnerable, 1 mitigated, 0 undecided, 0 safe, 1 errors',
    );
    expect(text).not.toContain('\x1b[');
  });

  it('aligns columns', () => {
    const lines = renderTable([safe, vuln], [], summary(), { color: false }).split('\n');
    expect(lines[1].indexOf('log4j-core')).toBe(lines[0].indexOf('PRODUCT'));
    expect(lines[2].indexOf('2.17.1')).toBe(lines[0].indexOf('VERSION'));
  });

  it('uses colour only when asked', () => {
    expect(renderTable([vuln], [], summary(), { color: true })).toContain('\x1b[31;1mvulnerable');
  });

  it('says why in a WHY column: a Debian-patched 1.2.17 is safe for its patched classes, not its version', () => {
    const v1 = (status: 'safe' | 'vulnerable', evidence: string[], cves: string[]) =>
      finding({
        path: `/opt/${status}/log4j-1.2.17.jar`,
        chain: [`/opt/${status}/log4j-1.2.17.jar`],
        product: 'log4j-1.x',
        version: '1.2.17',
        status,
        cves,
        evidence,
        packageRoot: 'org/apache/log4j/',
      });
    const debian = v1(
      'safe',
      [
        'SocketNode deserializes through a class filter (FilteredObjectInputStream)',
        'JDBCAppender uses prepared statements (jdbc/JdbcPatternParser)',
        'Chainsaw patched (class filter present)',
        'patched build (distribution fixes recognised by class)',
        'version 1.2.17 from manifest',
      ],
      [],
    );
    const upstream = v1(
      'vulnerable',
      ['net/JMSAppender present: CVE-2021-4104', 'version 1.2.17 from pom.properties'],
      ['CVE-2021-4104'],
    );
    const lines = renderTable([debian, upstream], [], summary(), { color: false }).split('\n');
    expect(lines[1]).toMatch(
      /vulnerable\s+CVE-2021-4104\s+net\/JMSAppender present: CVE-2021-4104$/,
    );
    expect(lines[2]).toMatch(
      /1\.2\.17\s+safe\s+-\s+patched build \(distribution fixes recognised by class\)$/,
    );
    // --explain: every evidence line under its finding
    const explained = renderTable([debian], [], summary(), { color: false, explain: true });
    expect(explained).toContain(
      '\n    JDBCAppender uses prepared statements (jdbc/JdbcPatternParser)\n',
    );
    expect(explained).toContain('\n    version 1.2.17 from manifest\n');
  });

  it('shows running JVMs: each flag with what it covers and does not, and each outbound-connection indicator', () => {
    const text = renderTable([], [], summary(), { color: false }, [flagFact(), indicatorFact()]);
    expect(text).toContain('Running JVMs (2)');
    expect(text).toContain(
      'JVM pid 4242 (app, com.acme.Main): log4j2.formatMsgNoLookups=true (command-line): partial: 2.14.1 keeps CVE-2021-45046',
    );
    expect(text).toContain('  covers: CVE-2021-44228 through message lookups');
    expect(text).toContain('  does not cover: CVE-2021-45046');
    expect(text).toContain(
      'indicator: JVM pid 4242 (app, com.acme.Main) JVM 4242 has an outbound LDAP',
    );
  });

  it('says so when no log4j was found', () => {
    expect(
      renderTable([], [], summary({ vulnerable: 0, mitigated: 0, errors: 0 }), { color: false }),
    ).toMatch(/^No log4j found\./);
  });
});

describe('printable', () => {
  it('escapes terminal control sequences, newlines and bidi overrides from hostile file names', () => {
    expect(printable('/tmp/\x1b]0;owned\x07x\n.jar')).toBe('/tmp/\\x1b]0;owned\\x07x\\x0a.jar');
    expect(printable('/tmp/\u202Erav.jar')).toBe('/tmp/\\u202erav.jar');
    expect(printable('/opt/café/日本.jar')).toBe('/opt/café/日本.jar');
  });

  it('is applied to every table cell', () => {
    const evil = finding({ path: '/x/\x1b[2Jevil.jar', chain: ['/x/\x1b[2Jevil.jar'] });
    const text = renderTable(
      [evil],
      [scanError({ path: '/y\r', error: 'bad\x1b[0m' })],
      summary(),
      { color: false },
    );
    expect(text).not.toMatch(/[\x1b\r]/);
    expect(text).toContain('/x/\\x1b[2Jevil.jar');
  });
});
