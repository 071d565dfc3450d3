import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { ServerCredentials, status, type ServiceError } from '@grpc/grpc-js';
import { agentMetadata, createAgentClient } from '../src/daemon/channel';
import { parseControllerUrl } from '../src/daemon/controller-url';
import { enroll } from '../src/daemon/enroll';
import { startDaemon, type RunningDaemon } from '../src/daemon/run';
import type { ScanFn } from '../src/daemon/scan-mapping';
import { FakeController } from './support/fake-controller';
import { waitFor } from './support/wait';

// grpcs:// enrollment: a CA given with --ca, or the certificate pinned on first use.

interface KeyPair {
  cert: string;
  key: string;
  certFile: string;
}

function selfSigned(dir: string, name: string): KeyPair {
  const certFile = path.join(dir, `${name}.crt`);
  const keyFile = path.join(dir, `${name}.key`);
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '2',
      '-subj',
      `/CN=${name}`,
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ],
    { stdio: 'ignore' },
  );
  return {
    cert: execFileSync('cat', [certFile]).toString(),
    key: execFileSync('cat', [keyFile]).toString(),
    certFile,
  };
}

/** A leaf issued by a private CA (the server presents the leaf only). */
function caIssued(dir: string): KeyPair & { caFile: string } {
  const file = (n: string): string => path.join(dir, n);
  const ossl = (...args: string[]): void => void execFileSync('openssl', args, { stdio: 'ignore' });
  ossl(
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    file('ca.key'),
    '-out',
    file('ca.crt'),
    '-days',
    '2',
    '-subj',
    '/CN=test-ca',
  );
  ossl(
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    file('leaf.key'),
    '-out',
    file('leaf.csr'),
    '-subj',
    '/CN=controller.internal',
  );
  writeFileSync(file('leaf.ext'), 'subjectAltName=DNS:controller.internal\n');
  ossl(
    'x509',
    '-req',
    '-in',
    file('leaf.csr'),
    '-CA',
    file('ca.crt'),
    '-CAkey',
    file('ca.key'),
    '-CAcreateserial',
    '-out',
    file('leaf.crt'),
    '-days',
    '2',
    '-extfile',
    file('leaf.ext'),
  );
  return {
    cert: readFileSync(file('leaf.crt'), 'utf8'),
    key: readFileSync(file('leaf.key'), 'utf8'),
    certFile: file('leaf.crt'),
    caFile: file('ca.crt'),
  };
}

function tlsServer(pair: KeyPair): ServerCredentials {
  return ServerCredentials.createSsl(null, [
    { cert_chain: Buffer.from(pair.cert), private_key: Buffer.from(pair.key) },
  ]);
}

const noScan: ScanFn = () => Promise.reject(new Error('no scans in this test'));

describe('agent over TLS', () => {
  let dir: string;
  let pair: KeyPair;
  let other: KeyPair;
  let controller: FakeController;
  let daemon: RunningDaemon | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'daemon-tls-'));
    pair = selfSigned(dir, 'controller');
    other = selfSigned(dir, 'impostor');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  beforeEach(async () => {
    controller = new FakeController(tlsServer(pair));
    await controller.start();
    controller.tokens.add('tls-token');
  });
  afterEach(async () => {
    await daemon?.stop();
    daemon = undefined;
    controller.stop();
  });

  const url = (): string => `grpcs://127.0.0.1:${controller.port}`;
  const options = (stateDir: string, caFile?: string) => ({
    stateDir,
    controllerUrl: url(),
    token: 'tls-token',
    caFile,
    insecure: false,
    force: false,
    agentVersion: 'test',
    timeoutMs: 5000,
  });

  it('M7: a wrong --fingerprint keeps the token from the server that answers', async () => {
    const stateDir = path.join(dir, 'wrong-fingerprint');
    const impostor = new X509Certificate(other.cert).fingerprint256;
    await expect(enroll({ ...options(stateDir), fingerprint: impostor })).rejects.toMatchObject({
      message: expect.stringContaining(
        `presented certificate sha256 ${new X509Certificate(pair.cert).fingerprint256}, but --fingerprint expects ${impostor}`,
      ),
    });
    expect(controller.tokens.has('tls-token')).toBe(true);
    expect(controller.agents.size).toBe(0);

    const right = new X509Certificate(pair.cert).fingerprint256.replace(/:/g, '').toLowerCase();
    const result = await enroll({ ...options(stateDir), fingerprint: `sha256:${right}` });
    expect(result).toMatchObject({ fingerprintVerified: true });
    expect(controller.tokens.has('tls-token')).toBe(false);
  });

  it('pins the controller certificate on first use and connects with it', async () => {
    const stateDir = path.join(dir, 'tofu');
    const result = await enroll(options(stateDir));
    expect(result.pinnedFingerprint).toBe(new X509Certificate(pair.cert).fingerprint256);
    const stored = JSON.parse(await readFile(path.join(stateDir, 'credentials.json'), 'utf8'));
    expect(stored.tls).toMatchObject({
      mode: 'pinned-cert',
      fingerprint256: result.pinnedFingerprint,
    });

    daemon = await startDaemon({
      stateDir,
      log: pino({ level: 'silent' }),
      scan: noScan,
      agentVersion: 'test',
      reconnectWindowMs: 100,
      backoff: { initialMs: 50, maxMs: 200 },
    });
    await waitFor(() => controller.isConnected(result.credentials.agentId), 'a TLS control stream');
  });

  it('pins on first use a certificate issued by a private CA, though the URL names an IP it does not list', async () => {
    controller.stop();
    const issued = caIssued(dir);
    controller = new FakeController(tlsServer(issued));
    await controller.start();
    controller.tokens.add('tls-token');
    const stateDir = path.join(dir, 'tofu-ca-issued');
    const result = await enroll(options(stateDir));
    expect(result.pinnedFingerprint).toBe(new X509Certificate(issued.cert).fingerprint256);
    daemon = await startDaemon({
      stateDir,
      log: pino({ level: 'silent' }),
      scan: noScan,
      agentVersion: 'test',
      reconnectWindowMs: 100,
      backoff: { initialMs: 50, maxMs: 200 },
    });
    await waitFor(() => controller.isConnected(result.credentials.agentId), 'a TLS control stream');
  });

  it('verifies the controller against the CA given with --ca', async () => {
    const result = await enroll(options(path.join(dir, 'with-ca'), pair.certFile));
    expect(result.pinnedFingerprint).toBeUndefined();
    expect(controller.agents.has(result.credentials.agentId)).toBe(true);
  });

  it('refuses a controller whose certificate the given CA did not issue', async () => {
    await expect(enroll(options(path.join(dir, 'wrong-ca'), other.certFile))).rejects.toThrow(
      /unreachable|certificate/,
    );
    expect(controller.agents.size).toBe(0);
  });

  it('does not talk to a controller that presents a different certificate than the pinned one', async () => {
    const stateDir = path.join(dir, 'swapped');
    const { credentials } = await enroll(options(stateDir));
    controller.stop();
    const impostor = new FakeController(tlsServer(other));
    impostor.port = controller.port;
    impostor.agents.set(credentials.agentId, { ...controller.agents.get(credentials.agentId)! });
    await impostor.start();
    const client = createAgentClient(
      parseControllerUrl(credentials.controllerUrl),
      credentials.tls,
    );
    try {
      const chunk = {
        commandId: 'c',
        sequence: 0,
        totalChunks: 1,
        findings: [],
        errors: [],
        summary: undefined,
      };
      const error = await new Promise<ServiceError | null>((resolve) =>
        client.uploadResults(
          chunk,
          agentMetadata(credentials, false),
          { deadline: Date.now() + 5000 },
          (err) => resolve(err),
        ),
      );
      expect(error?.code).toBe(status.UNAVAILABLE);
      expect(error?.details).toMatch(/certificate/);
      expect(impostor.uploadCalls.size).toBe(0);
    } finally {
      client.close();
      impostor.stop();
    }
  });
});
