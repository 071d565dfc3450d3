import type { AgentVersion, Inventory } from './types';
import { RootFs } from './util/root-fs';
import { collectOs } from './os/collect-os';
import { collectNetwork } from './net/collect-network';
import { collectJavaRuntimes } from './java/runtimes';
import { collectUsers } from './users/collect-users';
import { collectUpdates } from './updates/collect-updates';
import { collectPackages, type RpmRunner } from './packages/collect-packages';

export interface CollectInventoryOptions {
  /** Every file read happens under this directory instead of "/" (tests point it at fixtures). */
  root?: string;
  /** The agent's own version and when it was last updated, as the caller knows them. */
  agent?: AgentVersion;
  /** Runs `rpm -qa`; default: the system's rpm when there is one (never under a fixture root). */
  rpm?: RpmRunner;
}

/**
 * Collects what the response playbook needs to know about this host. Never throws: every file
 * that could not be read or parsed is named in `warnings`.
 */
export async function collectInventory(opts: CollectInventoryOptions = {}): Promise<Inventory> {
  const fs = new RootFs(opts.root ?? '/');
  const users = await collectUsers(fs);
  const names = new Map(users.accounts.map((a) => [a.uid, a.name]));
  const userName = (uid: number): string | undefined => names.get(uid);
  const os = await collectOs(fs);
  const network = await collectNetwork(fs, userName);
  const java = await collectJavaRuntimes(fs);
  const updates = await collectUpdates(fs, opts.agent);
  const packages = await collectPackages(fs, opts.rpm);
  return {
    collectedAt: new Date().toISOString(),
    root: fs.root,
    os,
    network,
    java,
    users,
    updates,
    packages,
    warnings: fs.warnings,
  };
}
