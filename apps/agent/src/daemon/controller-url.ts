import { isIP } from 'node:net';

export interface ControllerAddress {
  tls: boolean;
  host: string;
  port: number;
  /** host:port as grpc-js expects it (IPv6 in brackets). */
  target: string;
}

/**
 * Parses grpcs://host:port (TLS) or grpc://host:port (plaintext). The port is required:
 * there is no well-known port to guess, and guessing wrong looks like "unreachable".
 */
export function parseControllerUrl(input: string): ControllerAddress {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new Error(
      `bad controller URL "${input}": expected grpcs://host:port or grpc://host:port`,
    );
  }
  const tls = url.protocol === 'grpcs:';
  if (!tls && url.protocol !== 'grpc:') {
    throw new Error(
      `bad controller URL "${input}": scheme must be grpcs:// or grpc://, not ${url.protocol}//`,
    );
  }
  if (url.username || url.password)
    throw new Error(`bad controller URL "${input}": credentials do not belong in the URL`);
  if ((url.pathname !== '' && url.pathname !== '/') || url.search || url.hash) {
    throw new Error(`bad controller URL "${input}": no path, query or fragment allowed`);
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!host) throw new Error(`bad controller URL "${input}": missing host`);
  if (!url.port) throw new Error(`bad controller URL "${input}": missing port`);
  const port = Number(url.port);
  const target = isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
  return { tls, host, port, target };
}
