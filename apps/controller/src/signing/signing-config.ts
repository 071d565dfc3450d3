import { readFileSync } from 'node:fs';
import { signingKeyFromPkcs8, type SigningKeyPair } from '@log4fleet/contracts';

/** How this controller gets the fleet's command-signing key (deploy/controller/README.md). */
export interface CommandSigningConfig {
  /** COMMAND_SIGNING_KEY_FILE: the fleet's key, never written to the database. */
  keyFile?: { path: string; key: SigningKeyPair };
  /**
   * COMMAND_SIGNING_PREVIOUS_KEY_FILE: with a new COMMAND_SIGNING_KEY_FILE, the key it replaces;
   * the start records the rotation, signed by it, so that agents follow.
   */
  previousKeyFile?: { path: string; key: SigningKeyPair };
  /** COMMAND_SIGNING_KEY_SECRET: encrypts a generated key at rest in the database. */
  secret?: string;
}

type Env = Record<string, string | undefined>;

/** Reads and validates the command-signing settings; problems name the setting. */
export function readCommandSigning(env: Env, problems: string[]): CommandSigningConfig {
  const config: CommandSigningConfig = {
    keyFile: readKeyFile('COMMAND_SIGNING_KEY_FILE', env, problems),
    previousKeyFile: readKeyFile('COMMAND_SIGNING_PREVIOUS_KEY_FILE', env, problems),
    secret: env.COMMAND_SIGNING_KEY_SECRET || undefined,
  };
  if (config.previousKeyFile && !env.COMMAND_SIGNING_KEY_FILE)
    problems.push('COMMAND_SIGNING_PREVIOUS_KEY_FILE needs COMMAND_SIGNING_KEY_FILE (the new key)');
  if (config.secret !== undefined && config.secret.length < 16)
    problems.push('COMMAND_SIGNING_KEY_SECRET must be at least 16 characters');
  return config;
}

function readKeyFile(name: string, env: Env, problems: string[]): CommandSigningConfig['keyFile'] {
  const path = env[name];
  if (!path) return undefined;
  try {
    return { path, key: signingKeyFromPkcs8(readFileSync(path, 'utf8')) };
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    problems.push(`${name} must be an Ed25519 private key in PKCS#8 PEM (${path}): ${why}`);
    return undefined;
  }
}
