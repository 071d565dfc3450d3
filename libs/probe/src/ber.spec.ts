import { BerError, integer, readChildren, readTlv, tlv } from './ber';
import { readQuestion } from './dns-responder';
import { payload } from './payloads';

describe('BER', () => {
  it('reads back what it writes, short and long lengths', () => {
    const long = Buffer.alloc(300, 1);
    const buf = tlv(0x30, integer(0x02, 7), tlv(0x04, long));
    const outer = readTlv(buf);
    expect(outer?.size).toBe(buf.length);
    const [id, str] = readChildren(outer!.value);
    expect(id.value).toEqual(Buffer.from([7]));
    expect(str.value.length).toBe(300);
  });

  it('waits for more bytes on a partial TLV and refuses what more bytes cannot fix', () => {
    expect(readTlv(Buffer.from([0x30, 0x05, 0x02]))).toBeUndefined();
    expect(() => readTlv(Buffer.from([0x30, 0x80]))).toThrow(BerError);
    expect(() => readTlv(Buffer.from([0x30, 0x84, 0x7f, 0, 0, 0]), 0, 1024)).toThrow(
      'exceeds 1024',
    );
  });
});

describe('DNS question', () => {
  const query = (labels: string[]): Buffer => {
    const head = Buffer.from([0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
    const name = Buffer.concat([
      ...labels.map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])),
      Buffer.from([0]),
    ]);
    return Buffer.concat([head, name, Buffer.from([0, 16, 0, 1])]);
  };

  it('reads the name and keeps the question bytes', () => {
    const q = readQuestion(query(['l4fabc', 'example']));
    expect(q?.name).toBe('l4fabc.example');
    expect(q?.bytes.length).toBe(1 + 6 + 1 + 7 + 1 + 4);
  });

  it('ignores truncated queries and compression pointers', () => {
    expect(readQuestion(query(['abc']).subarray(0, 14))).toBeUndefined();
    const pointer = Buffer.concat([
      query([]).subarray(0, 12),
      Buffer.from([0xc0, 0x0c, 0, 1, 0, 1]),
    ]);
    expect(readQuestion(pointer)).toBeUndefined();
  });
});

describe('payloads', () => {
  it('every form points at the loopback responder with the token', () => {
    const ports = { host: '127.0.0.1', ldap: 1389, dns: 5353 };
    expect(payload('plain', ports, 'l4fx')).toBe('${jndi:ldap://127.0.0.1:1389/l4fx}');
    expect(payload('dns', ports, 'l4fx')).toBe('${jndi:dns://127.0.0.1:5353/l4fx}');
    for (const form of ['lower', 'default-value', 'env-default'] as const) {
      expect(payload(form, ports, 'l4fx')).toMatch(/^\$\{.*\/\/127\.0\.0\.1:1389\/l4fx\}$/);
      expect(payload(form, ports, 'l4fx')).not.toContain('jndi:ldap');
    }
  });
});
