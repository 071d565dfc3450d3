import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../config/app-config';

describe('command-signing settings', () => {
  const dir = mkdtempSync(join(tmpdir(), 'l4f-signing-config-'));
  const base = { GRPC_INSECURE: '1' };
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function file(name: string, content: string): string {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  }

  function problems(env: Record<string, string>): string[] {
    try {
      loadConfig({ ...base, ...env });
      return [];
    } catch (err) {
      if (err instanceof ConfigError) return err.problems;
      throw err;
    }
  }

  it('reads an Ed25519 PKCS#8 key file', () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const path = file('ok.pem', privateKey.export({ format: 'pem', type: 'pkcs8' }).toString());
    const config = loadConfig({ ...base, COMMAND_SIGNING_KEY_FILE: path });
    expect(config.commandSigning.keyFile?.key.publicKey).toHaveLength(32);
  });

  it.each([
    [
      'a missing file',
      { COMMAND_SIGNING_KEY_FILE: '/nonexistent/key.pem' },
      /COMMAND_SIGNING_KEY_FILE must be an Ed25519 private key/,
    ],
    ['not a key', { COMMAND_SIGNING_KEY_FILE: 'NOTAKEY' }, /COMMAND_SIGNING_KEY_FILE/],
    [
      'a short secret',
      { COMMAND_SIGNING_KEY_SECRET: 'short' },
      /COMMAND_SIGNING_KEY_SECRET must be at least 16/,
    ],
  ])('stops the start with a message naming the setting: %s', (_name, env, message) => {
    const resolved: Record<string, string> = { ...env };
    if (resolved.COMMAND_SIGNING_KEY_FILE === 'NOTAKEY')
      resolved.COMMAND_SIGNING_KEY_FILE = file('bad.pem', 'not a key');
    expect(problems(resolved).join('; ')).toMatch(message);
  });

  it('refuses an RSA key', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const path = file('rsa.pem', privateKey.export({ format: 'pem', type: 'pkcs8' }).toString());
    expect(problems({ COMMAND_SIGNING_KEY_FILE: path }).join('; ')).toMatch(
      /expected an Ed25519 private key, got rsa/,
    );
  });
});
