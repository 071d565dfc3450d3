import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { readJsonFile, writeFileAtomic } from './state-dir';

export const CREDENTIALS_FILE = 'credentials.json';

/** How the agent trusts the controller's TLS endpoint. */
export type TlsPin =
  | { mode: 'insecure' }
  /** A CA given with --ca: normal chain and hostname verification against it. */
  | { mode: 'ca'; caPem: string }
  /** Trust on first use: the certificate seen at enrollment is the trust anchor. */
  | { mode: 'pinned-cert'; certPem: string; fingerprint256: string };

export interface Credentials {
  /** grpc://host:port or grpcs://host:port, as given to enroll. */
  controllerUrl: string;
  agentId: string;
  hostId: string;
  secret: string;
  tls: TlsPin;
  tags: string[];
  heartbeatIntervalS: number;
  /** Ed25519 public key (base64) for commands that change the host. */
  commandSigningKey: string;
  enrolledAtMs: number;
  /** enroll --instance: this agent is one more of its machine, its own host (host-facts.ts). */
  instance?: string;
}

export function credentialsPath(stateDir: string): string {
  return path.join(stateDir, CREDENTIALS_FILE);
}

export async function saveCredentials(stateDir: string, creds: Credentials): Promise<void> {
  await writeFileAtomic(credentialsPath(stateDir), `${JSON.stringify(creds, null, 2)}\n`);
}

export async function credentialsExist(stateDir: string): Promise<boolean> {
  try {
    await fsp.access(credentialsPath(stateDir));
    return true;
  } catch {
    return false;
  }
}

/** The stored credentials; throws naming the file when missing or malformed. */
export async function loadCredentials(stateDir: string): Promise<Credentials> {
  const file = credentialsPath(stateDir);
  const raw = await readJsonFile(file);
  if (raw === undefined) {
    throw new Error(`not enrolled: ${file} does not exist (run "log4fleet-agent enroll" first)`);
  }
  return validateCredentials(raw, file);
}

function validateCredentials(raw: unknown, file: string): Credentials {
  if (typeof raw !== 'object' || raw === null) throw new Error(`${file}: not an object`);
  const c = raw as Partial<Credentials>;
  for (const key of ['controllerUrl', 'agentId', 'secret'] as const) {
    if (typeof c[key] !== 'string' || c[key] === '') throw new Error(`${file}: missing ${key}`);
  }
  if (!c.tls || !['insecure', 'ca', 'pinned-cert'].includes(c.tls.mode)) {
    throw new Error(`${file}: missing or unknown tls mode`);
  }
  return {
    controllerUrl: c.controllerUrl as string,
    agentId: c.agentId as string,
    hostId: c.hostId ?? '',
    secret: c.secret as string,
    tls: c.tls,
    tags: Array.isArray(c.tags) ? c.tags : [],
    heartbeatIntervalS: typeof c.heartbeatIntervalS === 'number' ? c.heartbeatIntervalS : 0,
    commandSigningKey: c.commandSigningKey ?? '',
    enrolledAtMs: c.enrolledAtMs ?? 0,
    ...(typeof c.instance === 'string' && c.instance !== '' ? { instance: c.instance } : {}),
  };
}
