import { generateSigningKey, rawPublicKey } from '@log4fleet/contracts';
import { openPrivateKey, sealPrivateKey } from './key-at-rest';

describe('the command-signing key at rest', () => {
  const key = generateSigningKey();
  const secret = 'a-secret-of-the-fleet-123';

  it('round-trips encrypted under the secret, and the stored form does not hold the key', () => {
    const stored = sealPrivateKey(key.privateKey, key.publicKey, secret);
    expect(stored).toMatch(/^aes-256-gcm:/);
    const der = key.privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64');
    expect(stored).not.toContain(der);
    expect(rawPublicKey(openPrivateKey(stored, key.publicKey, secret))).toEqual(key.publicKey);
  });

  it('names the setting when the secret is missing or wrong', () => {
    const stored = sealPrivateKey(key.privateKey, key.publicKey, secret);
    expect(() => openPrivateKey(stored, key.publicKey, undefined)).toThrow(
      /encrypted: set COMMAND_SIGNING_KEY_SECRET/,
    );
    expect(() => openPrivateKey(stored, key.publicKey, 'another-secret-456789')).toThrow(
      /does not decrypt with COMMAND_SIGNING_KEY_SECRET/,
    );
  });

  it('does not decrypt when moved to another key row (the public key is bound)', () => {
    const stored = sealPrivateKey(key.privateKey, key.publicKey, secret);
    expect(() => openPrivateKey(stored, generateSigningKey().publicKey, secret)).toThrow(
      /does not decrypt/,
    );
  });

  it('without a secret is stored plain (the documented trade-off)', () => {
    const stored = sealPrivateKey(key.privateKey, key.publicKey, undefined);
    expect(stored).toMatch(/^plain:/);
    expect(rawPublicKey(openPrivateKey(stored, key.publicKey, undefined))).toEqual(key.publicKey);
  });
});
