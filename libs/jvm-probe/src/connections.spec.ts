import { findIndicators } from './connections';

const HEADER =
  '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
// 127.0.0.1:40000 -> 10.0.0.5:1389 ESTABLISHED inode 111; -> 10.0.0.5:1099 SYN_SENT inode 222;
// -> 10.0.0.5:443 inode 333; -> 10.0.0.5:389 inode 444 (another process); 0.0.0.0:8080 LISTEN inode 555.
const TCP =
  HEADER +
  '   0: 0100007F:9C40 0500000A:056D 01 00000000:00000000 00:00000000 00000000  1000        0 111 1\n' +
  '   1: 0100007F:9C41 0500000A:044B 02 00000000:00000000 00:00000000 00000000  1000        0 222 1\n' +
  '   2: 0100007F:9C42 0500000A:01BB 01 00000000:00000000 00:00000000 00000000  1000        0 333 1\n' +
  '   3: 0100007F:9C43 0500000A:0185 01 00000000:00000000 00:00000000 00000000  1000        0 444 1\n' +
  '   4: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 555 1\n';

describe('findIndicators', () => {
  it('reports the process own LDAP/RMI connections and nothing else', () => {
    const found = findIndicators(
      { pid: 9 },
      [{ protocol: 'tcp', text: TCP }],
      new Set([111, 222, 333, 555]),
    );
    expect(found.map((i) => [i.service, i.state, i.remote.address, i.remote.port])).toEqual([
      ['LDAP', 'ESTABLISHED', '10.0.0.5', 1389],
      ['RMI', 'SYN_SENT', '10.0.0.5', 1099],
    ]);
    expect(found[0].local).toEqual({ address: '127.0.0.1', port: 40000 });
  });
});
