import { loadAdvisoryDatabase } from './database';
import { AdvisoryMatcher, type AdvisoryMatch } from './matcher';
import { softwareFromFindings, type SoftwareItem } from './software';

let matcher: AdvisoryMatcher;
beforeAll(() => {
  matcher = new AdvisoryMatcher(loadAdvisoryDatabase());
});

const find = (matches: AdvisoryMatch[], vendor: string, product: string) => {
  const m = matches.find((x) => x.entry.vendor === vendor && x.entry.product === product);
  if (!m)
    throw new Error(
      `no match for ${vendor} / ${product}: ${matches.map((x) => x.reason).join('; ')}`,
    );
  return m;
};
const main = (m: AdvisoryMatch) => m.cves.find((c) => c.cve === 'CVE-2021-44228')!;
const item = (
  name: string,
  version: string,
  source: SoftwareItem['source'] = 'jar-scan',
): SoftwareItem => ({
  source,
  name,
  version,
});

describe('AdvisoryMatcher', () => {
  it("matches Debian's liblog4j2-java by alias to Apache's and Debian's own entries", () => {
    const matches = matcher.matchOne({
      source: 'dpkg',
      name: 'liblog4j2-java',
      version: '2.17.1-1~deb11u1',
      sourcePackage: 'apache-log4j2',
    });
    const debian = find(matches, 'Debian', 'Apache-log4j2');
    expect(debian.confidence).toBe('alias');
    expect(debian.reason).toBe('alias: liblog4j2-java -> Debian / Apache-log4j2');
    // "stretch, buster, bullseye" names releases, not versions: nothing to compare.
    expect(main(debian)).toMatchObject({
      status: 'not-affected',
      versionVerdict: 'not-comparable',
    });
    expect(debian.advice).toContain(
      'Check with the vendor (https://security-tracker.debian.org/tracker/CVE-2021-44228)',
    );
    expect(debian.advice).toContain(
      'the jar scan, not this list, says whether a log4j copy on the host is vulnerable',
    );
    expect(matches.filter((m) => m.entry.vendor === 'Debian')).toHaveLength(1);
  });

  it("tells RHEL 7's log4j package (1.2.17) from RHEL 8's (2.x) by version", () => {
    const products = (version: string) =>
      matcher
        .matchOne({ source: 'rpm', name: 'log4j', version })
        .filter((m) => m.confidence === 'alias')
        .map((m) => `${m.entry.vendor} / ${m.entry.product}`)
        .sort();
    expect(products('1.2.17-16.el7_4')).toEqual(['Apache / Log4j 1.x']);
    expect(products('2.14.1-1.el8')).toEqual(['Apache / Log4j 2.x', 'Red Hat / log4j-core']);
  });

  it('quotes, never corrects, the Apache Log4j 2.x entry that lists the fixed 2.17.1 as affected', () => {
    const m = find(matcher.matchOne(item('log4j-core', '2.14.1')), 'Apache', 'Log4j 2.x');
    expect(main(m)).toMatchObject({
      affected: ['2.17.1'],
      status: 'affected',
      versionVerdict: 'not-listed',
    });
    expect(m.entry.notes).toContain('Fixed in Log4j 2.17.1');
    const fixed = find(matcher.matchOne(item('log4j-core', '2.17.1')), 'Apache', 'Log4j 2.x');
    expect(main(fixed)).toMatchObject({ versionVerdict: 'in-affected-list', decidedBy: '2.17.1' });
  });

  it('places a version in the ranges of Opto 22 (< 4.3g affected, 4.3g fixed)', () => {
    const opto = (v: string) =>
      main(
        new AdvisoryMatcher(matcher.db)
          .matchOne(item('GROOV-AT1, GROOV-AT1-SNAP', v))
          .find((m) => m.entry.vendor === 'Opto 22')!,
      );
    expect(opto('4.3f')).toMatchObject({ versionVerdict: 'in-affected-list', decidedBy: '< 4.3g' });
    expect(opto('4.3g')).toMatchObject({ versionVerdict: 'in-fixed-list', decidedBy: '4.3g' });
  });

  it('reads "The following versions and lower: 2021.4" (Tableau Server) and keeps its typo sibling as written', () => {
    const server = main(
      find(matcher.matchOne(item('Tableau Server', '2021.4.2')), 'Tableau', 'Tableau Server'),
    );
    expect(server).toMatchObject({
      versionVerdict: 'in-affected-list',
      decidedBy: 'The following versions and lower: 2021.4',
    });
    const newer = main(
      find(matcher.matchOne(item('Tableau Server', '2022.1')), 'Tableau', 'Tableau Server'),
    );
    expect(newer.versionVerdict).toBe('not-listed');
    // Prep Builder's entry says "22021.4.1": every real version is below it. Quoted, so a human sees why.
    const prep = main(
      find(
        matcher.matchOne(item('Tableau Prep Builder', '2023.1')),
        'Tableau',
        'Tableau Prep Builder',
      ),
    );
    expect(prep).toMatchObject({
      versionVerdict: 'in-affected-list',
      decidedBy: 'The following versions and lower: 22021.4.1',
    });
  });

  it('says an Elasticsearch package is below the one fixed version listed', () => {
    const m = find(
      matcher.matchOne(item('elasticsearch', '7.10.2-1', 'rpm')),
      'Elastic',
      'Elasticsearch',
    );
    expect(m.confidence).toBe('alias');
    expect(main(m)).toMatchObject({
      status: 'fixed',
      versionVerdict: 'below-fixed',
      decidedBy: '7.16.2',
    });
    expect(m.advice).toContain('version 7.10.2 is below the fixed version 7.16.2');
  });

  it("puts Solr 8.11.0 under the entry's fixed versions as written, with the note that says otherwise", () => {
    const m = find(matcher.matchOne(item('solr', '8.11.0')), 'Apache', 'SOLR');
    expect(main(m)).toMatchObject({
      versionVerdict: 'in-fixed-list',
      decidedBy: '8.0.0 to 8.11.0',
    });
    expect(m.entry.notes).toContain('Fixed in 8.11.1');
  });

  it('matches by exact name, and fuzzily after packaging words, saying which', () => {
    const kibana = find(matcher.matchOne(item('Kibana', '7.9.0')), 'Elastic', 'Kibana');
    expect(kibana.confidence).toBe('alias');
    const neo = matcher.matchOne(item('Neo4j Graph Database', '4.4'));
    expect(find(neo, 'Neo4j', 'Neo4j Graph Database').confidence).toBe('exact');
    const redis = find(matcher.matchOne(item('redis-server', '5:7.0.15-1', 'dpkg')), 'Redis', '');
    expect(redis.confidence).toBe('fuzzy');
    expect(redis.advice).toContain('a fuzzy name match: confirm it is the same product');
  });

  it('matches nothing for ordinary packages', () => {
    for (const name of ['bash', 'coreutils', 'openssl', 'libc6', 'python3', 'all', 'server'])
      expect(matcher.matchOne(item(name, '1.0', 'dpkg'))).toEqual([]);
  });
});

describe('softwareFromFindings', () => {
  it('names the log4j copy and the application holding it', () => {
    expect(
      softwareFromFindings([
        {
          path: '/opt/solr-8.11.0/server/lib/ext/log4j-core-2.14.1.jar',
          product: 'log4j-core',
          version: '2.14.1',
        },
        {
          path: '/srv/apps/report-server-3.2.war!/WEB-INF/lib/log4j-core-2.11.0.jar',
          product: 'log4j-core',
          version: '2.11.0',
        },
        {
          path: '/usr/share/elasticsearch/lib/log4j-core-2.11.1.jar',
          product: 'log4j-core',
          version: '2.11.1',
        },
        { path: '/usr/share/java/log4j-1.2.jar', product: 'log4j-1.x', version: '1.2.17' },
      ]).map((s) => `${s.name} ${s.version}`),
    ).toEqual([
      'log4j-core 2.14.1',
      'solr 8.11.0',
      'log4j-core 2.11.0',
      'report-server 3.2',
      'log4j-core 2.11.1',
      'elasticsearch ',
      'log4j-1.x 1.2.17',
    ]);
  });
});
