import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { startTestController, TestController } from './support/test-controller';

/** The listen backlog of the socket on 127.0.0.1:port, as the kernel reports it (ss: Send-Q). */
function backlogOf(port: number): number {
  const out = execFileSync('ss', ['-Hltn', `sport = :${port}`], { encoding: 'utf8' });
  const fields = out.trim().split(/\s+/);
  return Number(fields[2]);
}

describe('gRPC listen backlog', () => {
  let c: TestController | undefined;
  afterEach(async () => {
    await c?.close();
    c = undefined;
  });

  it('listens with the configured backlog (capped by net.core.somaxconn), not Node default 511', async () => {
    const somaxconn = Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8'));
    c = await startTestController({ env: { GRPC_LISTEN_BACKLOG: '2000' } });
    const port = Number(c.grpcAddress.split(':')[1]);
    expect(backlogOf(port)).toBe(Math.min(2000, somaxconn));
  });
});
