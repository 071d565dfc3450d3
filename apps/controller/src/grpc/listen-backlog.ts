import { Server as NetServer } from 'node:net';

/**
 * Runs `bind` (grpc-js's bindAsync) with a larger listen backlog for the sockets it opens.
 * grpc-js listens with Node's default backlog of 511 and has no option for it. Measured in a
 * reconnect storm of 10,000 agents: the kernel's accept queue overflowed while the event loop was
 * busy (TcpExtListenOverflows in `nstat`), the dropped handshakes were retried by TCP after 1, 3,
 * 7, 15, 31, 63 s, and the last agents came back after 113 s. The kernel caps the value at
 * net.core.somaxconn.
 */
export async function withListenBacklog<T>(backlog: number, bind: () => Promise<T>): Promise<T> {
  // eslint-disable-next-line @typescript-eslint/unbound-method -- restored as it was, called with apply
  const original = NetServer.prototype.listen;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- listen() is overloaded
  NetServer.prototype.listen = function (this: NetServer, ...args: any[]) {
    const [first] = args as unknown[];
    if (first !== null && typeof first === 'object' && !('backlog' in first))
      args[0] = { ...first, backlog };
    return original.apply(this, args as Parameters<typeof original>);
  } as typeof original;
  try {
    return await bind();
  } finally {
    NetServer.prototype.listen = original;
  }
}
