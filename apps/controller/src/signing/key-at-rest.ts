import {
  createCipheriv,
  createDecipheriv,
  createPrivateKey,
  randomBytes,
  scryptSync,
  type KeyObject,
} from 'node:crypto';

const SALT = 'log4fleet-command-signing-key-v1';

/**
 * The private key as stored in command_signing_keys.private_key: AES-256-GCM under a key
 * derived (scrypt) from COMMAND_SIGNING_KEY_SECRET, the public key as associated data (a
 * ciphertext copied to another row does not decrypt); "plain:" without a secret.
 */
export function sealPrivateKey(
  key: KeyObject,
  publicKey: Buffer,
  secret: string | undefined,
): string {
  const der = key.export({ format: 'der', type: 'pkcs8' });
  if (!secret) return `plain:${der.toString('base64')}`;
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', scryptSync(secret, SALT, 32), iv);
  cipher.setAAD(publicKey);
  const sealed = Buffer.concat([cipher.update(der), cipher.final()]);
  return ['aes-256-gcm', iv, cipher.getAuthTag(), sealed]
    .map((p) => (typeof p === 'string' ? p : p.toString('base64')))
    .join(':');
}

/** The stored private key; throws saying what is missing or wrong. */
export function openPrivateKey(
  stored: string,
  publicKey: Buffer,
  secret: string | undefined,
): KeyObject {
  const [scheme, ...parts] = stored.split(':');
  if (scheme === 'plain' && parts.length === 1)
    return createPrivateKey({ key: Buffer.from(parts[0], 'base64'), format: 'der', type: 'pkcs8' });
  if (scheme !== 'aes-256-gcm' || parts.length !== 3)
    throw new Error(`unknown form of stored command-signing key ("${scheme}")`);
  if (!secret)
    throw new Error(
      'the command-signing key in the database is encrypted: set COMMAND_SIGNING_KEY_SECRET',
    );
  const [iv, tag, sealed] = parts.map((p) => Buffer.from(p, 'base64'));
  const decipher = createDecipheriv('aes-256-gcm', scryptSync(secret, SALT, 32), iv);
  decipher.setAAD(publicKey);
  decipher.setAuthTag(tag);
  let der: Buffer;
  try {
    der = Buffer.concat([decipher.update(sealed), decipher.final()]);
  } catch {
    throw new Error(
      'the command-signing key in the database does not decrypt with COMMAND_SIGNING_KEY_SECRET (wrong secret?)',
    );
  }
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
}
