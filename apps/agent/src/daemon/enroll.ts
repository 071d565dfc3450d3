import { promises as fsp } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import type { EnrollResponse, HostFacts } from '@log4fleet/contracts';
import { channelCredentials, createAgentClient, fetchServerCertificate } from './channel';
import { parseControllerUrl, type ControllerAddress } from './controller-url';
import {
  credentialsExist,
  credentialsPath,
  loadCredentials,
  saveCredentials,
  type Credentials,
  type TlsPin,
} from './credentials';
import { activeAgentAdvice, enrollRefusalOf, otherHostAdvice } from './enroll-refusal';
import { collectHostFacts, parseInstanceName } from './host-facts';
import { ensurePrivateDir, errorMessage } from './state-dir';

export interface EnrollOptions {
  stateDir: string;
  controllerUrl: string;
  token: string;
  caFile?: string;
  /**
   * The controller certificate's SHA-256 (`sha256:<hex>`, or openssl's `AB:CD:...`), checked
   * before the token is sent: an answer from any other server gets nothing.
   */
  fingerprint?: string;
  insecure: boolean;
  force: boolean;
  agentVersion: string;
  timeoutMs: number;
  /** enroll --instance: one more agent of this machine, enrolled as a host of its own. */
  instance?: string;
  /** Injectable for tests; defaults to the real host. */
  hostFacts?: (instance: string | undefined) => Promise<HostFacts>;
}

export interface EnrollResult {
  credentials: Credentials;
  /** Set when the certificate was pinned on first use: the admin should compare it. */
  pinnedFingerprint?: string;
  /** The pinned certificate matched --fingerprint (or the pin kept from the previous enrollment). */
  fingerprintVerified: boolean;
  /** The enrollment proved the previous identity (its credential) to replace it. */
  replacedAgentId?: string;
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
  const enrolled = await credentialsExist(options.stateDir);
  if (!options.force && enrolled) {
    throw new EnrollError(
      `already enrolled: ${credentialsPath(options.stateDir)} exists; use --force to enroll this ` +
        'agent again (the old identity is replaced), or give another --state-dir (with --instance) ' +
        'to run a second agent on this machine',
      EXIT.config,
    );
  }
  const previous = enrolled ? await previousIdentity(options.stateDir, address) : undefined;
  const instance = instanceOf(options, previous);
  const { pin, verified } = await decideTlsPin(address, options, previous?.tls);
  const host = await (options.hostFacts ?? ((i) => collectHostFacts(process.env, i)))(instance);
  const currentCredential = previous ? `${previous.agentId}.${previous.secret}` : undefined;
  const response = await callEnroll(address, pin, options, host, currentCredential);
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
    ...(instance ? { instance } : {}),
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
    fingerprintVerified: verified,
    replacedAgentId: previous?.agentId,
  };
}

/**
 * --instance, else the instance this state directory was enrolled as: an agent enrolled again
 * stays the host it was. Another instance in the same directory would leave that host's agent
 * behind, so it is refused.
 */
function instanceOf(options: EnrollOptions, previous: Credentials | undefined): string | undefined {
  let instance: string | undefined;
  try {
    instance = options.instance === undefined ? undefined : parseInstanceName(options.instance);
  } catch (err) {
    throw new EnrollError(errorMessage(err), EXIT.usage);
  }
  const stored = previous?.instance;
  if (instance !== undefined && previous && instance !== stored)
    throw new EnrollError(
      `--instance ${instance}: ${credentialsPath(options.stateDir)} holds agent ${previous.agentId} ` +
        `${stored ? `of instance ${stored}` : "of this machine's own host"}; give the new instance ` +
        'a --state-dir of its own',
      EXIT.usage,
    );
  return instance ?? stored;
}

/**
 * The identity stored by a previous enrollment with the same controller: its credential proves
 * to the controller that this machine may replace its agent (issue 12 H1), and its TLS trust is
 * kept. Sent to that controller only: another controller has no business with it.
 */
async function previousIdentity(
  stateDir: string,
  address: ControllerAddress,
): Promise<Credentials | undefined> {
  try {
    const stored = await loadCredentials(stateDir);
    const same = parseControllerUrl(stored.controllerUrl);
    return same.target === address.target && same.tls === address.tls ? stored : undefined;
  } catch {
    return undefined;
  }
}

/**
 * "sha256:<64 hex>", openssl's "SHA256 Fingerprint=AB:CD:...", or the bare hex; colons and case
 * do not matter. Returns Node's form (upper case, colon-separated).
 */
export function parseFingerprint(input: string): string {
  const hex = input
    .trim()
    .replace(/^sha-?256\s*(fingerprint)?\s*[:=]?\s*/i, '')
    .replace(/:/g, '')
    .toUpperCase();
  if (!/^[0-9A-F]{64}$/.test(hex))
    throw new EnrollError(
      `bad --fingerprint "${input}": expected sha256:<64 hex digits> (or openssl's AB:CD:... form)`,
      EXIT.usage,
    );
  return hex.match(/../g)!.join(':');
}

/** The enrollment token: --token, else --token-file, else LOG4FLEET_ENROLL_TOKEN. */
export async function readEnrollToken(source: {
  token?: string;
  tokenFile?: string;
  env?: string;
}): Promise<string> {
  if (source.token !== undefined && source.tokenFile !== undefined)
    throw new EnrollError('give the enrollment token once: --token or --token-file', EXIT.usage);
  if (source.tokenFile !== undefined) {
    let text: string;
    try {
      text = await fsp.readFile(source.tokenFile, 'utf8');
    } catch (err) {
      throw new EnrollError(
        `cannot read the token file ${source.tokenFile}: ${errorMessage(err)}`,
        EXIT.usage,
      );
    }
    const token = text.trim();
    if (!token) throw new EnrollError(`token file ${source.tokenFile} is empty`, EXIT.usage);
    return token;
  }
  return (source.token ?? source.env ?? '').trim();
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
  if (!address.tls && options.fingerprint)
    throw new EnrollError('--fingerprint needs a grpcs:// URL', EXIT.usage);
  if (options.caFile && options.fingerprint)
    throw new EnrollError('give one of --ca and --fingerprint, not both', EXIT.usage);
  if (!options.token)
    throw new EnrollError(
      'missing enrollment token (--token-file, env LOG4FLEET_ENROLL_TOKEN, or --token)',
      EXIT.usage,
    );
  return address;
}

/**
 * How the controller is trusted before the token goes to it: --ca, --fingerprint, the pin of
 * the previous enrollment with this controller, or else whatever certificate answers now (trust
 * on first use: README.md says what that risks).
 */
async function decideTlsPin(
  address: ControllerAddress,
  options: EnrollOptions,
  previous: TlsPin | undefined,
): Promise<{ pin: TlsPin; verified: boolean }> {
  if (!address.tls) return { pin: { mode: 'insecure' }, verified: false };
  if (options.caFile)
    return { pin: { mode: 'ca', caPem: await readCa(options.caFile) }, verified: true };
  const expected = options.fingerprint ? parseFingerprint(options.fingerprint) : undefined;
  if (!expected && previous && previous.mode !== 'insecure')
    return { pin: previous, verified: true };
  let cert: { pem: string; fingerprint256: string };
  try {
    cert = await fetchServerCertificate(address, options.timeoutMs);
  } catch (err) {
    throw new EnrollError(`controller unreachable: ${errorMessage(err)}`, EXIT.unavailable);
  }
  if (expected && cert.fingerprint256.toUpperCase() !== expected)
    throw new EnrollError(
      `controller ${address.target} presented certificate sha256 ${cert.fingerprint256}, ` +
        `but --fingerprint expects ${expected}: the enrollment token was not sent. ` +
        'Check the fingerprint with the admin (GET /api/v1/controller-certificate, or the ' +
        "controller's start log); a difference means another server answered",
      EXIT.noPerm,
    );
  return {
    pin: { mode: 'pinned-cert', certPem: cert.pem, fingerprint256: cert.fingerprint256 },
    verified: expected !== undefined,
  };
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
  currentCredential: string | undefined,
): Promise<EnrollResponse> {
  // Validates the credentials object before dialing, so a bad PEM is named as such.
  channelCredentials(pin);
  const client = createAgentClient(address, pin);
  const deadline = new Date(Date.now() + options.timeoutMs);
  return new Promise<EnrollResponse>((resolve, reject) => {
    client.enroll(
      { token: options.token, host, agentVersion: options.agentVersion, currentCredential },
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
  const refusal = enrollRefusalOf(err);
  if (refusal === 'active-agent')
    return new EnrollError(activeAgentAdvice(err.details), EXIT.config);
  if (refusal === 'token-for-other-host')
    return new EnrollError(otherHostAdvice(err.details), EXIT.noPerm);
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
