import { chainToJson, csvHeader, displayPath, toCsvRow } from './findings.mapper';
import { FindingDto } from './findings.dto';

describe('findings mapper', () => {
  it('keeps non-UTF-8 path bytes exactly while showing a readable path', () => {
    const raw = Buffer.from([0x2f, 0x6f, 0x70, 0x74, 0x2f, 0xff, 0x2e, 0x6a, 0x61, 0x72]);
    const chain = [raw, Buffer.from('WEB-INF/lib/log4j-core-2.14.1.jar')];
    expect(displayPath(chain)).toBe('/opt/\\xff.jar!/WEB-INF/lib/log4j-core-2.14.1.jar');
    const stored = JSON.parse(chainToJson(chain)) as string[];
    expect(Buffer.from(stored[0], 'base64')).toEqual(raw);
  });

  it('writes CSV rows that survive commas, quotes and formula prefixes', () => {
    const dto = {
      hostId: 'h1',
      hostname: 'web,01',
      path: '/opt/"app".jar',
      product: 'log4j-core',
      version: '=2.14.1',
      versionExact: true,
      status: 'vulnerable',
      cves: ['CVE-2021-44228', 'CVE-2021-45046'],
      packageRoot: 'org/apache/logging/log4j/',
      sha256: '',
      scanRunId: 's1',
      createdAt: '2026-01-01T00:00:00.000Z',
    } as FindingDto;
    expect(csvHeader()).toBe(
      'hostId,hostname,path,product,version,versionExact,status,cves,packageRoot,sha256,scanRunId,createdAt\n',
    );
    expect(toCsvRow(dto)).toBe(
      'h1,"web,01","/opt/""app"".jar",log4j-core,\'=2.14.1,true,vulnerable,CVE-2021-44228 CVE-2021-45046,org/apache/logging/log4j/,,s1,2026-01-01T00:00:00.000Z\n',
    );
  });
});
