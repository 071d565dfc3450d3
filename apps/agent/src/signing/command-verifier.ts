import {
  checkCommandSignature,
  followKeyChain,
  type Command,
  type CommandSigningKeys,
} from '@log4fleet/contracts';
import { saveCredentials, type Credentials } from '../daemon/credentials';
import type { Logger } from '../daemon/logger';
import { errorMessage } from '../daemon/state-dir';

export interface CommandVerifierDeps {
  stateDir: string;
  /** The agent's stored credentials; commandSigningKey (base64) is the pinned key. */
  credentials: Credentials;
  log: Logger;
  now?: () => number;
}

/**
 * The agent's side of command signing (README.md, "Command signing"). Every command must be
 * signed for this agent by the controller key it pinned: at enrollment, or, for an agent
 * enrolled before the controller signed commands, the first key the controller presents on an
 * authenticated stream (trust on first use over the TLS channel pinned at enrollment). Until
 * then such an agent runs scans only (they change nothing on the host) and refuses every other
 * kind. The pinned key follows rotations signed by the key they replace, and is saved with the
 * credentials (mode 0600).
 */
export class CommandVerifier {
  private pinned: Buffer | undefined;
  private readonly now: () => number;
  private saving: Promise<void> = Promise.resolve();

  constructor(private readonly deps: CommandVerifierDeps) {
    this.now = deps.now ?? Date.now;
    const key = Buffer.from(deps.credentials.commandSigningKey, 'base64');
    this.pinned = key.length > 0 ? key : undefined;
  }

  /** The pinned key (raw), if any. */
  get pinnedKey(): Buffer | undefined {
    return this.pinned;
  }

  /** Why `command` must not run (the message of its FAILED update), or null. Logs refusals. */
  check(command: Command): string | null {
    // No key to check against (enrolled before signing, no key presented yet): scans only.
    if (!this.pinned && command.kind?.$case === 'scan') return null;
    const refusal = checkCommandSignature(command, {
      agentId: this.deps.credentials.agentId,
      pinnedKey: this.pinned,
      nowMs: this.now(),
    });
    // A genuine command that expired is the executor's to report: EXPIRED, not FAILED.
    if (!refusal || refusal.code === 'expired') return null;
    this.deps.log.error(
      { commandId: command.id, kind: command.kind?.$case, refusal: refusal.code },
      refusal.message,
    );
    return refusal.message;
  }

  /**
   * The controller's key chain: pins its first key when this agent has none (loudly), then
   * follows the rotations from the pinned key. Never throws; a chain that does not lead from
   * the pinned key changes nothing.
   */
  acceptKeys(chain: CommandSigningKeys): Promise<void> {
    const log = this.deps.log;
    let pinned = this.pinned;
    if (!pinned) {
      if (chain.firstKey.length === 0) return this.saving;
      pinned = Buffer.from(chain.firstKey);
      log.warn(
        { key: pinned.toString('base64') },
        'no command-signing key pinned (enrolled before command signing): pinning the key ' +
          'this controller presents on the authenticated stream (trust on first use); ' +
          're-enroll the agent to pin the key from enrollment instead',
      );
    }
    const outcome = followKeyChain(chain, pinned, this.now());
    if (outcome.stopped)
      log.warn(
        { followed: outcome.followed, why: outcome.stopped },
        'signing key chain not followed to its end',
      );
    if (this.pinned && outcome.key.equals(this.pinned)) return this.saving;
    if (outcome.followed > 0)
      log.warn(
        { key: outcome.key.toString('base64'), rotations: outcome.followed },
        'controller rotated its command-signing key: following it',
      );
    // In memory first: the commands that follow on the stream are checked against it.
    this.pinned = outcome.key;
    return this.persist(outcome.key);
  }

  private persist(key: Buffer): Promise<void> {
    this.saving = this.saving.then(async () => {
      this.deps.credentials.commandSigningKey = key.toString('base64');
      try {
        await saveCredentials(this.deps.stateDir, this.deps.credentials);
      } catch (err) {
        this.deps.log.error(
          { err: errorMessage(err) },
          'cannot save the pinned command-signing key; it holds until the agent restarts',
        );
      }
    });
    return this.saving;
  }
}
