import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import tls, { type PeerCertificate, type SecureContext } from 'node:tls';
import {
  ChannelCredentials,
  Metadata,
  type ClientDuplexStream,
  type ClientOptions,
} from '@grpc/grpc-js';
import { AgentServiceClient, AgentServiceService, type AgentMessage } from '@log4fleet/contracts';
import { decodeControllerMessage, type ReceivedMessage } from './controller-message';
import type { ControllerAddress } from './controller-url';
import type { Credentials, TlsPin } from './credentials';

/**
 * Channel options. The channel lives as long as the process (TOOLCHAIN.md: a channel that
 * is closed and recreated leaves orphan connections on the server); grpc-js reconnects it
 * with its own backoff, bounded here to 1 s .. 30 s.
 */
const CHANNEL_OPTIONS: Partial<ClientOptions> = {
  'grpc.initial_reconnect_backoff_ms': 1000,
  'grpc.max_reconnect_backoff_ms': 30_000,
  'grpc.keepalive_time_ms': 60_000,
  'grpc.keepalive_timeout_ms': 20_000,
  'grpc.keepalive_permit_without_calls': 1,
  'grpc.max_receive_message_length': 64 * 1024 * 1024,
};

export function createAgentClient(address: ControllerAddress, pin: TlsPin): AgentServiceClient {
  return new AgentServiceClient(address.target, channelCredentials(pin), CHANNEL_OPTIONS);
}

export function channelCredentials(pin: TlsPin): ChannelCredentials {
  switch (pin.mode) {
    case 'insecure':
      return ChannelCredentials.createInsecure();
    case 'ca':
      return ChannelCredentials.createSsl(Buffer.from(pin.caPem));
    case 'pinned-cert':
      return ChannelCredentials.createFromSecureContext(pinnedCertContext(pin.certPem), {
        // The pinned certificate is the identity; the URL may name the host differently
        // from the certificate (an IP, a load balancer name), so the name is not checked.
        checkServerIdentity: (host: string, cert: PeerCertificate) =>
          sameFingerprint(cert.fingerprint256, pin.fingerprint256)
            ? undefined
            : new Error(
                `controller ${host} presented certificate ${cert.fingerprint256}, pinned is ${pin.fingerprint256}`,
              ),
      });
  }
}

/**
 * The Connect stream, with a deserializer that never throws: the generated one would end the
 * stream (INTERNAL "Response message parsing error") on one command the agent cannot decode.
 */
export function openControlStream(
  client: AgentServiceClient,
  metadata: Metadata,
): ClientDuplexStream<AgentMessage, ReceivedMessage> {
  const method = AgentServiceService.connect;
  return client.makeBidiStreamRequest(
    method.path,
    method.requestSerialize,
    decodeControllerMessage,
    metadata,
  );
}

/** "authorization: Bearer <agent_id>.<secret>", plus waitForReady (honoured only here). */
export function agentMetadata(
  creds: Pick<Credentials, 'agentId' | 'secret'>,
  waitForReady: boolean,
): Metadata {
  const metadata = new Metadata(waitForReady ? { waitForReady: true } : undefined);
  metadata.set('authorization', `Bearer ${creds.agentId}.${creds.secret}`);
  return metadata;
}

export interface ServerCertificate {
  pem: string;
  fingerprint256: string;
}

/** The controller's leaf certificate, fetched without verification, for trust on first use. */
export function fetchServerCertificate(
  address: ControllerAddress,
  timeoutMs: number,
): Promise<ServerCertificate> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host: address.host,
      port: address.port,
      // SNI carries names only (RFC 6066 section 3).
      servername: isIP(address.host) ? undefined : address.host,
      rejectUnauthorized: false,
      ALPNProtocols: ['h2'],
      timeout: timeoutMs,
    });
    const fail = (reason: string): void => {
      socket.destroy();
      reject(
        new Error(`cannot fetch the TLS certificate of controller ${address.target}: ${reason}`),
      );
    };
    socket.once('timeout', () => fail(`no TLS handshake within ${timeoutMs} ms`));
    socket.once('error', (err: Error) => fail(err.message));
    socket.once('secureConnect', () => {
      const cert = socket.getPeerCertificate();
      socket.end();
      if (!cert?.raw) return fail('the server presented no certificate');
      const x509 = new X509Certificate(cert.raw);
      resolve({ pem: x509.toString(), fingerprint256: x509.fingerprint256 });
    });
  });
}

/**
 * Trusts exactly the pinned certificate. A leaf issued by a private CA is no trust anchor
 * for OpenSSL by default; partial-chain verification makes the pinned leaf itself one.
 */
function pinnedCertContext(certPem: string): SecureContext {
  return tls.createSecureContext({ ca: certPem, allowPartialTrustChain: true });
}

function sameFingerprint(a: string | undefined, b: string): boolean {
  return (a ?? '').toUpperCase() === b.toUpperCase();
}
