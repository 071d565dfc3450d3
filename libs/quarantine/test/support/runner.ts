/**
 * Runs the library inside the test's "host" namespace (`ip netns exec NS node runner.js JSON`)
 * and prints one JSON result: the test process itself stays in the root namespace.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import readline from 'node:readline';
import { Quarantine, tcpControllerCheck, type QuarantineSpec } from '../../src';
import { Nft } from '../../src/tools';

export interface Target {
  protocol: 'tcp' | 'udp';
  address: string;
  port: number;
}

export type RunnerRequest =
  | {
      op: 'apply';
      stateDir: string;
      spec: QuarantineSpec;
      deadlineMs?: number;
      /** Prove with a TCP handshake to this address instead of the pinned ones. */
      checkController?: { address: string; port: number };
      lookup?: Record<string, string[]>;
      nft?: string;
    }
  | {
      op: 'release' | 'check' | 'reapply';
      stateDir: string;
      nft?: string;
      /** Stands for /proc/sys/kernel/random/boot_id: another value is a reboot. */
      bootId?: string;
    }
  | { op: 'raw-apply'; transaction: unknown }
  | { op: 'probe'; targets: Target[] }
  /** Opens a TCP session, then answers each stdin line "ping" with {"echo": bool}. */
  | { op: 'session'; target: Target };

const PROBE_MS = 1_500;

async function main(): Promise<unknown> {
  const req = JSON.parse(process.argv[2] ?? '{}') as RunnerRequest;
  switch (req.op) {
    case 'apply': {
      const lookup = req.lookup;
      const q = new Quarantine({
        stateDir: req.stateDir,
        tools: { nft: req.nft ?? 'nft' },
        ...(lookup
          ? {
              lookup: (host: string) =>
                lookup[host]
                  ? Promise.resolve(lookup[host])
                  : Promise.reject(new Error(`getaddrinfo ENOTFOUND ${host}`)),
            }
          : {}),
      });
      const check = req.checkController
        ? tcpControllerCheck([req.checkController.address], req.checkController.port)
        : undefined;
      return q.apply(req.spec, {
        ...(req.deadlineMs ? { deadlineMs: req.deadlineMs } : {}),
        ...(check ? { checkController: check } : {}),
      });
    }
    case 'release':
    case 'check':
    case 'reapply': {
      const bootId = req.bootId;
      const q = new Quarantine({
        stateDir: req.stateDir,
        tools: { nft: req.nft ?? 'nft' },
        ...(bootId ? { bootId: () => Promise.resolve(bootId) } : {}),
      });
      return q[req.op]();
    }
    case 'raw-apply':
      return new Nft().apply(req.transaction as { nftables: Record<string, unknown>[] }).then(
        () => ({ ok: true }),
        (err: Error & { code?: string }) => ({ ok: false, code: err.code, message: err.message }),
      );
    case 'probe':
      return Promise.all(req.targets.map(reachable));
    case 'session':
      return session(req.target);
  }
}

/** True when `t` answers: a TCP echo or a UDP reply within PROBE_MS. */
function reachable(t: Target): Promise<boolean> {
  return new Promise((resolve) => {
    if (t.protocol === 'tcp') {
      const socket = net.connect({ host: t.address, port: t.port });
      const done = (ok: boolean): void => {
        clearTimeout(timer);
        socket.destroy();
        resolve(ok);
      };
      const timer = setTimeout(() => done(false), PROBE_MS);
      socket.once('connect', () => socket.write('ping'));
      socket.once('data', () => done(true));
      socket.once('error', () => done(false));
      return;
    }
    const socket = dgram.createSocket(net.isIPv6(t.address) ? 'udp6' : 'udp4');
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      socket.close();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), PROBE_MS);
    socket.once('message', () => done(true));
    socket.once('error', () => done(false));
    socket.send('ping', t.port, t.address, (err) => err && done(false));
  });
}

async function session(t: Target): Promise<unknown> {
  const socket = net.connect({ host: t.address, port: t.port });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.on('error', () => undefined);
  let waiting: ((ok: boolean) => void) | undefined;
  socket.on('data', () => waiting?.(true));
  process.stdout.write(JSON.stringify({ connected: true }) + '\n');
  const lines = readline.createInterface({ input: process.stdin });
  for await (const line of lines) {
    if (line !== 'ping') break;
    const echo = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), PROBE_MS);
      waiting = (ok) => {
        clearTimeout(timer);
        resolve(ok);
      };
      socket.write('ping');
    });
    waiting = undefined;
    process.stdout.write(JSON.stringify({ echo }) + '\n');
  }
  socket.destroy();
  return { closed: true };
}

main().then(
  (result) => {
    process.stdout.write(JSON.stringify(result ?? null) + '\n');
    process.exit(0);
  },
  (err: unknown) => {
    process.stderr.write(
      `runner: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  },
);
