import { parseHostname, parseHosts, resolveFqdn } from './hosts';

const HOSTS =
  '127.0.0.1 localhost\n127.0.1.1 web01.corp.example web01 # mine\nbad-line\n10.0.0.9 db db.corp.example\n';

describe('hosts and FQDN', () => {
  it('skips lines that do not start with an IP address, counting them', () => {
    const { value, warnings } = parseHosts(HOSTS, 'h');
    expect(value.map((e) => e.address)).toEqual(['127.0.0.1', '127.0.1.1', '10.0.0.9']);
    expect(warnings).toEqual([{ file: 'h', line: 3, message: expect.any(String) }]);
  });

  it('takes the canonical name of the line listing the host, else a dotted alias', () => {
    const hosts = parseHosts(HOSTS).value;
    expect(resolveFqdn('web01', hosts)).toBe('web01.corp.example');
    expect(resolveFqdn('db', hosts)).toBe('db.corp.example');
    expect(resolveFqdn('other', hosts)).toBeUndefined();
    expect(resolveFqdn('already.dotted', hosts)).toBe('already.dotted');
  });

  it('takes the first non-comment line of /etc/hostname', () => {
    expect(parseHostname('# set by cloud-init\nweb01\n')).toBe('web01');
  });
});
