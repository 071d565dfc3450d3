import net from 'node:net';
import { BerError, integer, octets, readChildren, readInteger, readTlv, tlv } from './ber';
import type { Callback, CallbackProcess, Endpoint } from './types';

/** RFC 4511 protocolOp tags ([APPLICATION n], constructed unless noted). */
const OP = {
  BIND_REQUEST: 0x60,
  BIND_RESPONSE: 0x61,
  UNBIND_REQUEST: 0x42, // primitive
  SEARCH_REQUEST: 0x63,
  SEARCH_RESULT_DONE: 0x65,
  EXTENDED_REQUEST: 0x77,
  EXTENDED_RESPONSE: 0x78,
} as const;

const RESULT = { SUCCESS: 0, NO_SUCH_OBJECT: 32, UNWILLING_TO_PERFORM: 53 } as const;
const ENUMERATED = 0x0a;
const SEQUENCE = 0x30;
/** Longest base DN kept as a token: ours are short; anything longer is cut, not stored whole. */
export const MAX_TOKEN_CHARS = 256;

export interface ResponderOptions {
  /** Where to listen: loopback only (default 127.0.0.1); port 0 picks a free one. */
  host?: string;
  port?: number;
  onCallback: (cb: Callback) => void;
  /** Names the process behind a peer (the JVM that connected), while its socket is open. */
  identify?: (peer: Endpoint, transport: 'tcp' | 'udp') => Promise<CallbackProcess | undefined>;
  /** Connections served at once; more are closed at accept. Default 64. */
  maxConnections?: number;
  /** A connection silent this long is closed. Default 5000 ms. */
  idleTimeoutMs?: number;
  /** Largest LDAP message read. Default 64 KiB. */
  maxMessageBytes?: number;
}

export interface Responder {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

const isLoopback = (host: string): boolean => host === '::1' || host.startsWith('127.');

/** Refuses anything but a loopback bind: the responders must never be reachable from the network. */
export function assertLoopback(host: string): void {
  if (!isLoopback(host)) throw new Error(`responder host ${host} is not a loopback address`);
}

function ldapResult(messageId: number, op: number, code: number, message: string): Buffer {
  return tlv(
    SEQUENCE,
    integer(0x02, messageId),
    tlv(op, integer(ENUMERATED, code), octets(''), octets(message)),
  );
}

/**
 * A minimal LDAP server on loopback: answers a bind with success and a search with
 * noSuchObject, reading the search's base DN as the probe token. It never answers with an
 * entry, a referral or a reference, so a JVM that looks up our URL gets an error and loads
 * nothing: the connection itself is the evidence.
 */
export async function startLdapResponder(opts: ResponderOptions): Promise<Responder> {
  const host = opts.host ?? '127.0.0.1';
  assertLoopback(host);
  const maxMessage = opts.maxMessageBytes ?? 64 * 1024;
  const sockets = new Set<net.Socket>();

  const server = net.createServer((socket) => {
    if (sockets.size >= (opts.maxConnections ?? 64)) {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.setTimeout(opts.idleTimeoutMs ?? 5000, () => socket.destroy());
    const peer = { address: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 };
    const who = opts.identify?.(peer, 'tcp').catch(() => undefined) ?? Promise.resolve(undefined);
    let pending: Buffer = Buffer.alloc(0);
    let busy = Promise.resolve();

    const handle = async (message: Buffer): Promise<void> => {
      const [idTlv, op] = readChildren(message);
      if (idTlv?.tag !== 0x02 || !op) throw new BerError('not an LDAPMessage');
      const id = readInteger(idTlv.value);
      switch (op.tag) {
        case OP.BIND_REQUEST:
          socket.write(ldapResult(id, OP.BIND_RESPONSE, RESULT.SUCCESS, ''));
          return;
        case OP.SEARCH_REQUEST: {
          const base = readChildren(op.value)[0];
          if (base?.tag !== 0x04) throw new BerError('search request without a base DN');
          const token = base.value.toString('utf8').slice(0, MAX_TOKEN_CHARS);
          opts.onCallback({
            protocol: 'ldap',
            token,
            peer,
            at: new Date().toISOString(),
            process: await who,
          });
          socket.end(
            ldapResult(id, OP.SEARCH_RESULT_DONE, RESULT.NO_SUCH_OBJECT, 'log4fleet probe'),
          );
          return;
        }
        case OP.EXTENDED_REQUEST: // StartTLS and friends: declined, so the client goes on in clear.
          socket.write(ldapResult(id, OP.EXTENDED_RESPONSE, RESULT.UNWILLING_TO_PERFORM, ''));
          return;
        default: // Unbind, abandon, anything else: nothing more to say.
          socket.destroy();
      }
    };

    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      if (pending.length > maxMessage + 8) {
        socket.destroy();
        return;
      }
      try {
        for (;;) {
          const msg = readTlv(pending, 0, maxMessage);
          if (!msg) break;
          if (msg.tag !== SEQUENCE) throw new BerError('not an LDAPMessage');
          pending = pending.subarray(msg.size);
          busy = busy.then(() => handle(msg.value)).catch(() => void socket.destroy());
        }
      } catch {
        socket.destroy();
      }
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const address = server.address() as net.AddressInfo;
  return {
    host,
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
