import { promises as fsp } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import type { EnrollResponse, HostFacts } from '@log4fleet/contracts';
import { channelCredentials, createAgentClient, fetchServerCertificate } from './channel';
import { parseControllerUrl, type ControllerAddress } from './controller-url';
import {
  credentialsExist,
  credentialsPath,
  saveCredentials,
  type Credentials,
  type TlsPin,
} from './credentials';
import { collectHostFacts } from './host-facts';
import { ensurePrivateDir, errorMessage } from './state-dir';

export interface EnrollOptions {
  stateDir: string;
  controllerUrl: string;
  token: string;
  caFile?: string;
  insecure: boolean;
  force: boolean;
  agentVersion: string;
  timeoutMs: number;
  /** Injectable for tests; defaults to the real host. */
  hostFacts?: () => Promise<HostFacts>;
}

export interface EnrollResult {
  credentials: Credentials;
  /** Set when the certificate was pinned on first use: the admin should compare it. */
  pinnedFingerprint?: string;
}

/** An enrollment failure with the exit code (sysexits) the CLI should end with. */
export class EnrollError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

export const EXIT = {
  usage: 64,
  unavailable: 69,
  software: 70,
  cantCreate: 73,
  noPerm: 77,
  config: 78,
} as const;

export async function enroll(options: EnrollOptions): Promise<EnrollResult> {
  const address = parseAddress(options);
  if (!options.force && (await credentialsExist(options.stateDir))) {
    throw new EnrollError(
      `already enrolled: ${credentialsPath(options.stateDir)} exists; use --force to enroll again (the old identity is abandoned)`,
      EXIT.config,
    );
  }
  const pin = await decideTlsPin(address, options);
  const host = await (options.hostFacts ?? collectHostFacts)();
  const response = await callEnroll(address, pin, options, host);
  const credentials: Credentials = {
    controllerUrl: options.controllerUrl,
    agentId: response.agentId,
    hostId: response.hostId,
    secret: response.credential,
    tls: pin,
    tags: response.tags,
    heartbeatIntervalS: response.heartbeatIntervalS,
    commandSigningKey: Buffer.from(response.commandSigningKey).toString('base64'),
    enrolledAtMs: Date.now(),
  };
  try {
    await ensurePrivateDir(options.stateDir);
    await saveCredentials(options.stateDir, credentials);
  } catch (err) {
    throw new EnrollError(
      `enrolled as agent ${response.agentId} but could not store credentials: ${errorMessage(err)}`,
      EXIT.cantCreate,
    );
  }
  return {
    credentials,
    pinnedFingerprint: pin.mode === 'pinned-cert' ? pin.fingerprint256 : undefined,
  };
}

function parseAddress(options: EnrollOptions): ControllerAddress {
  let address: ControllerAddress;
  try {
    address = parseControllerUrl(options.controllerUrl);
  } catch (err) {
    throw new EnrollError(errorMessage(err), EXIT.usage);
  }
  if (!address.tls && !options.insecure) {
    throw new EnrollError(
      `refusing plaintext ${options.controllerUrl}: use grpcs://, or --insecure for local/dev use only`,
      EXIT.usage,
    );
  }
  if (address.tls && options.insecure) {
    throw new EnrollError(
      '--insecure applies to grpc:// URLs only; a grpcs:// controller is always verified',
      EXIT.usage,
    );
  }
  if (!address.tls && options.caFile)
    throw new EnrollError('--ca needs a grpcs:// URL', EXIT.usage);
  if (!options.token) throw new EnrollError('missing enrollment token (--token)', EXIT.usage);
  return address;
}

async function decideTlsPin(address: ControllerAddress, options: EnrollOptions): Promise<TlsPin> {
  if (!address.tls) return { mode: 'insecure' };
  if (options.caFile) return { mode: 'ca', caPem: await readCa(options.caFile) };
  try {
    const cert = await fetchServerCertificate(address, options.timeoutMs);
    return { mode: 'pinned-cert', certPem: cert.pem, fingerprint256: cert.fingerprint256 };
  } catch (err) {
    throw new EnrollError(`controller unreachable: ${errorMessage(err)}`, EXIT.unavailable);
  }
}

async function readCa(file: string): Promise<string> {
  let pem: string;
  try {
    pem = await fsp.readFile(file, 'utf8');
  } catch (err) {
    throw new EnrollError(`cannot read CA file ${file}: ${errorMessage(err)}`, EXIT.usage);
  }
  try {
    new X509Certificate(pem);
  } catch (err) {
    throw new EnrollError(
      `CA file ${file} is not a PEM certificate: ${errorMessage(err)}`,
      EXIT.usage,
    );
  }
  return pem;
}

function callEnroll(
  address: ControllerAddress,
  pin: TlsPin,
  options: EnrollOptions,
  host: HostFacts,
): Promise<EnrollResponse> {
  // Validates the credentials object before dialing, so a bad PEM is named as such.
  channelCredentials(pin);
  const client = createAgentClient(address, pin);
  const deadline = new Date(Date.now() + options.timeoutMs);
  return new Promise<EnrollResponse>((resolve, reject) => {
    client.enroll(
      { token: options.token, host, agentVersion: options.agentVersion },
      new Metadata(),
      { deadline },
      (err: ServiceError | null, response: EnrollResponse) => {
        client.close();
        if (err) return reject(describeEnrollError(err, address));
        resolve(response);
      },
    );
  });
}

function describeEnrollError(err: ServiceError, address: ControllerAddress): EnrollError {
  const code = err.code;
  if (code === status.UNAUTHENTICATED || code === status.PERMISSION_DENIED) {
    return new EnrollError(
      `enrollment token rejected by controller ${address.target} (bad, expired, used or revoked): ${err.details}`,
      EXIT.noPerm,
    );
  }
  if (code === status.UNAVAILABLE || code === status.DEADLINE_EXCEEDED) {
    return new EnrollError(
      `controller unreachable at ${address.target}: ${err.details}`,
      EXIT.unavailable,
    );
  }
  if (
    code === status.INVALID_ARGUMENT ||
    code === status.FAILED_PRECONDITION ||
    code === status.ALREADY_EXISTS
  ) {
    return new EnrollError(
      `controller ${address.target} refused the enrollment: ${err.details}`,
      EXIT.config,
    );
  }
  return new EnrollError(
    `enrollment at ${address.target} failed (${status[code] ?? code}): ${err.details}`,
    EXIT.software,
  );
}
