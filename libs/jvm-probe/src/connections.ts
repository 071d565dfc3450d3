import {
  parseProcNet,
  type SocketEndpoint,
  type SocketProtocol,
  type SocketRow,
  TCP_STATE,
} from '@log4fleet/inventory';
import type { ConnectionIndicator, IndicatorService, ProcessRef } from './types';

/** Ports Log4Shell payloads call back to: LDAP (1389 is the exploit kits' default), RMI, DNS exfiltration. */
export const INDICATOR_PORTS: ReadonlyMap<number, IndicatorService> = new Map([
  [389, 'LDAP'],
  [636, 'LDAPS'],
  [1389, 'LDAP'],
  [1099, 'RMI'],
  [53, 'DNS'],
]);

/** Dual-stack JVM sockets show IPv4 peers as ::ffff:a.b.c.d; admins search for a.b.c.d. */
function unmapV4(e: SocketEndpoint): SocketEndpoint {
  return e.address.startsWith('::ffff:') && e.address.includes('.')
    ? { ...e, address: e.address.slice(7) }
    : e;
}

function stateName(row: SocketRow): ConnectionIndicator['state'] | undefined {
  const tcp = row.protocol === 'tcp' || row.protocol === 'tcp6';
  if (row.state === TCP_STATE.ESTABLISHED) return tcp ? 'ESTABLISHED' : 'CONNECTED';
  if (tcp && row.state === TCP_STATE.SYN_SENT) return 'SYN_SENT';
  return undefined;
}

/**
 * Outbound connections of one process to indicator ports: rows of its network namespace's
 * socket tables whose inode is one of the process's socket fds.
 */
export function findIndicators(
  process: ProcessRef,
  tables: Array<{ protocol: SocketProtocol; text: string }>,
  socketInodes: Set<number>,
): ConnectionIndicator[] {
  const out: ConnectionIndicator[] = [];
  for (const { protocol, text } of tables) {
    for (const row of parseProcNet(text, protocol).value) {
      const service = INDICATOR_PORTS.get(row.remote.port);
      const state = stateName(row);
      if (!service || !state || !socketInodes.has(row.inode)) continue;
      const remote = unmapV4(row.remote);
      out.push({
        process,
        protocol,
        state,
        local: unmapV4(row.local),
        remote,
        service,
        message: `JVM ${process.pid} has an outbound ${service} connection (${state}) to ${remote.address}:${remote.port}: a Log4Shell callback indicator`,
      });
    }
  }
  return out;
}
