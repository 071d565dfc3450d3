import dgram from 'node:dgram';
import {
  assertLoopback,
  MAX_TOKEN_CHARS,
  type Responder,
  type ResponderOptions,
} from './ldap-responder';

const HEADER_BYTES = 12;
const RCODE = { NXDOMAIN: 3, REFUSED: 5 } as const;

interface Question {
  name: string;
  /** The question section's bytes (name, type, class), echoed in the answer. */
  bytes: Buffer;
}

/** The first question of a DNS message (RFC 1035 4.1.2); undefined when it is not one we read. */
export function readQuestion(msg: Buffer): Question | undefined {
  if (msg.length < HEADER_BYTES || msg.readUInt16BE(4) < 1) return undefined;
  const labels: string[] = [];
  let offset = HEADER_BYTES;
  for (;;) {
    if (offset >= msg.length) return undefined;
    const len = msg[offset];
    // A pointer (0xC0) has no business in a query's first name; 0x40/0x80 are reserved.
    if (len & 0xc0) return undefined;
    offset += 1;
    if (len === 0) break;
    if (offset + len > msg.length || offset - HEADER_BYTES > 255) return undefined;
    labels.push(msg.subarray(offset, offset + len).toString('latin1'));
    offset += len;
  }
  if (offset + 4 > msg.length) return undefined;
  return { name: labels.join('.'), bytes: msg.subarray(HEADER_BYTES, offset + 4) };
}

function answer(query: Buffer, question: Buffer, rcode: number): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt16BE(query.readUInt16BE(0), 0);
  // QR=1, the query's opcode and RD; AA, TC and RA clear.
  const flags = 0x8000 | (query.readUInt16BE(2) & 0x7900) | rcode;
  header.writeUInt16BE(flags, 2);
  header.writeUInt16BE(1, 4);
  return Buffer.concat([header, question]);
}

/**
 * A minimal DNS server on loopback (UDP): reads the query name as the probe token and answers
 * NXDOMAIN (REFUSED for anything but a standard query). It never answers with a record.
 */
export async function startDnsResponder(opts: ResponderOptions): Promise<Responder> {
  const host = opts.host ?? '127.0.0.1';
  assertLoopback(host);
  const socket = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
  let inFlight = 0;
  socket.on('message', (msg, rinfo) => {
    const question = readQuestion(msg);
    if (!question) return;
    const opcode = (msg.readUInt16BE(2) >> 11) & 0x0f;
    const reply = answer(msg, question.bytes, opcode === 0 ? RCODE.NXDOMAIN : RCODE.REFUSED);
    if (opcode !== 0 || inFlight >= (opts.maxConnections ?? 64)) {
      socket.send(reply, rinfo.port, rinfo.address);
      return;
    }
    const peer = { address: rinfo.address, port: rinfo.port };
    inFlight++;
    // The reply waits for the attribution: the client's socket (and so its owner) is there until it has its answer.
    void (opts.identify?.(peer, 'udp').catch(() => undefined) ?? Promise.resolve(undefined))
      .then((process) => {
        opts.onCallback({
          protocol: 'dns',
          token: question.name.replace(/\.$/, '').slice(0, MAX_TOKEN_CHARS),
          peer,
          at: new Date().toISOString(),
          process,
        });
      })
      .finally(() => {
        inFlight--;
        socket.send(reply, rinfo.port, rinfo.address);
      });
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(opts.port ?? 0, host, () => resolve());
  });
  return {
    host,
    port: socket.address().port,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
