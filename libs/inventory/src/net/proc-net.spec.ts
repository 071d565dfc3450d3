import { decodeProcAddress, isListening, parseProcNet, socketInode } from './proc-net';

describe('decodeProcAddress', () => {
  it('decodes little-endian IPv4 and IPv6 words', () => {
    expect(decodeProcAddress('0100007F')).toBe('127.0.0.1');
    expect(decodeProcAddress('00000000000000000000000001000000')).toBe('::1');
    expect(decodeProcAddress('0000000000000000FFFF00000100007F')).toBe('::ffff:127.0.0.1');
    expect(decodeProcAddress('000080FE00000000FF00FC00010000FE')).toBe('fe80::fc:ff:fe00:1');
    expect(decodeProcAddress('xyz')).toBeUndefined();
  });
});

describe('parseProcNet', () => {
  const header =
    '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
  it('parses rows and counts malformed ones by line', () => {
    const text =
      header +
      '   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000   106        0 6673 1 0 100 0 0 10 0\n' +
      '   1: garbage\n' +
      '   2: 0100007F:D431 0100007F:1F90 01 00000000:00000000 00:00000000 00000000     0        0 7001 1 0 20 4 30 10 -1\n';
    const { value, warnings } = parseProcNet(text, 'tcp', 'tcp');
    expect(value.map((r) => [r.local.port, r.remote.port, r.state, r.uid, r.inode])).toEqual([
      [8080, 0, 0x0a, 106, 6673],
      [54321, 8080, 0x01, 0, 7001],
    ]);
    expect(value.map(isListening)).toEqual([true, false]);
    expect(warnings).toEqual([{ file: 'tcp', line: 3, message: 'not a socket table row' }]);
  });

  it('treats bound, unconnected UDP sockets as listening', () => {
    const udp =
      header +
      '  5: 00000000:0044 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 900 2 0 0\n';
    expect(parseProcNet(udp, 'udp').value.map(isListening)).toEqual([true]);
  });
});

describe('socketInode', () => {
  it('reads socket links only', () => {
    expect(socketInode('socket:[12345]')).toBe(12345);
    expect(socketInode('pipe:[12345]')).toBeUndefined();
  });
});
