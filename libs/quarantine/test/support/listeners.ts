/**
 * Runs inside a test namespace: TCP echo listeners and UDP reply listeners on `::` (IPv4 and
 * IPv6), one per argument `tcp:PORT` / `udp:PORT`. Prints "ready" once all listen.
 */
import dgram from 'node:dgram';
import net from 'node:net';

async function main(): Promise<void> {
  const specs = process.argv.slice(2);
  await Promise.all(specs.map(listen));
  process.stdout.write('ready\n');
}

function listen(spec: string): Promise<void> {
  const [protocol, portText] = spec.split(':');
  const port = Number(portText);
  if (protocol === 'tcp') {
    const server = net.createServer((socket) => {
      socket.on('data', (d) => socket.write(d));
      socket.on('error', () => socket.destroy());
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: '::', port, ipv6Only: false }, () => resolve());
    });
  }
  const socket = dgram.createSocket({ type: 'udp6', ipv6Only: false });
  socket.on('message', (msg, rinfo) => socket.send(msg, rinfo.port, rinfo.address));
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, '::', () => resolve());
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`listeners: ${String(err)}\n`);
  process.exit(1);
});
