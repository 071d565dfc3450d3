import { promises as fsp } from 'node:fs';
import os from 'node:os';
import {
  canonicalFromListing,
  canonicalFromRuleset,
  diffLines,
  type CanonicalTable,
} from './canonical';
import { errorMessage, QuarantineError, QuarantineErrorCode } from './errors';
import { cutFlows, flowAllowed } from './flows';
import {
  probeUnreachable,
  proveController,
  tcpControllerCheck,
  type ControllerCheck,
} from './prove';
import { pinController, systemLookup, type Lookup } from './resolve';
import { buildRuleset, replaceTransaction, TABLE_NAME } from './ruleset';
import { normalizeSpec } from './normalize-spec';
import { StateStore, type DesiredState } from './state-store';
import { Nft, restoreTransaction, runTool, type ToolPaths } from './tools';
import type {
  CheckRecord,
  CheckResult,
  QuarantineEvidence,
  QuarantineResult,
  QuarantineSpec,
  ReleaseResult,
  RulesetPlan,
  Timings,
} from './types';

export const DEFAULT_PROVE_DEADLINE_MS = 30_000;
const RULESET_TEXT_CAP = 16 * 1024;

export interface QuarantineOptions {
  /** Where the desired state lives (the agent's state directory). */
  stateDir: string;
  tools?: ToolPaths;
  lookup?: Lookup;
  /** The host's own addresses (flows between two of them are loopback and never cut). */
  localAddresses?: () => Set<string>;
  bootId?: () => Promise<string>;
}

export interface ApplyOptions {
  /** Proof that the controller answers over the new rules; a TCP handshake by default. */
  checkController?: ControllerCheck;
  /** How long the controller has to answer before the quarantine rolls back. */
  deadlineMs?: number;
}

/**
 * Network containment of this host in one nftables table of its own: applied as one
 * transaction, proven (read back, controller answers, probe unreachable) or rolled back by
 * itself, persisted for restarts, watched for tampering. Calls are serialized: a heartbeat's
 * check() never runs in the middle of an apply.
 */
export class Quarantine {
  private readonly nft: Nft;
  private readonly conntrack: string;
  private readonly store: StateStore;
  private readonly lookup: Lookup;
  private readonly localAddresses: () => Set<string>;
  private readonly bootId: () => Promise<string>;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(options: QuarantineOptions) {
    this.nft = new Nft(options.tools?.nft ?? 'nft');
    this.conntrack = options.tools?.conntrack ?? 'conntrack';
    this.store = new StateStore(options.stateDir);
    this.lookup = options.lookup ?? systemLookup;
    this.localAddresses = options.localAddresses ?? hostAddresses;
    this.bootId = options.bootId ?? readBootId;
  }

  apply(spec: QuarantineSpec, options: ApplyOptions = {}): Promise<QuarantineResult> {
    return this.exclusive(() => this.applyNow(spec, options));
  }

  release(): Promise<ReleaseResult> {
    return this.exclusive(() => this.releaseNow());
  }

  /** Each heartbeat: the table still what was verified? If not, put it back and say so. */
  check(): Promise<CheckResult> {
    return this.exclusive(() => this.checkNow());
  }

  /** At agent start: the same as check(), where a table lost to a reboot is put back quietly. */
  reapply(): Promise<CheckResult> {
    return this.exclusive(() => this.checkNow());
  }

  /** The desired state, or null when the host is not quarantined. */
  desired(): Promise<DesiredState | null> {
    return this.exclusive(() => this.store.load());
  }

  private async applyNow(input: QuarantineSpec, options: ApplyOptions): Promise<QuarantineResult> {
    const started = Date.now();
    const progress: Progress = { checks: [], timings: {}, flowsCut: 0 };
    const { checks, timings } = progress;
    const fail = (err: unknown, rolledBack: boolean): QuarantineResult => ({
      state: 'failed',
      code: err instanceof QuarantineError ? err.code : QuarantineErrorCode.ToolFailed,
      reason: errorMessage(err),
      rolledBack,
      checks,
      timings: { ...timings, totalMs: Date.now() - started },
    });

    // Nothing on the host changes until the transaction: a failure here leaves it as it was.
    let plan: RulesetPlan;
    let previous: unknown;
    let previousCanonical: CanonicalTable | null;
    try {
      const spec = normalizeSpec(input);
      previous = await this.nft.listTable();
      previousCanonical = canonicalFromListing(previous);
      await this.requireConntrack();
      const t = Date.now();
      // Given addresses are pinned as they are; a name is resolved now, before any rule exists.
      const addresses =
        spec.controller.addresses.length > 0
          ? spec.controller.addresses
          : await pinController(spec.controller.host, this.lookup);
      timings.resolveMs = Date.now() - t;
      plan = {
        mode: spec.mode,
        controllerAddresses: addresses,
        controllerPort: spec.controller.port,
        allowlist: spec.allowlist,
        resolvers: spec.resolvers,
      };
      const ruleset = buildRuleset(plan);
      const expected = canonicalFromRuleset(ruleset);
      const t2 = Date.now();
      await this.nft.apply(replaceTransaction(ruleset));
      timings.applyMs = Date.now() - t2;

      const result = await this.prove(spec.probe, plan, expected, options, progress);
      if (result) {
        const rolledBack = await this.rollBack(previous, previousCanonical, checks);
        return fail(result, rolledBack);
      }
      const evidence = await this.evidence(
        spec.controller.host,
        plan,
        expected.hash,
        progress,
        started,
      );
      try {
        await this.store.save({
          version: 1,
          spec,
          plan,
          rulesetHash: expected.hash,
          bootId: await this.bootId(),
          evidence,
        });
      } catch (err) {
        const rolledBack = await this.rollBack(previous, previousCanonical, checks);
        return fail(err, rolledBack);
      }
      return { state: 'verified', evidence };
    } catch (err) {
      // Before or in the transaction: nft applies all of it or nothing.
      return fail(err, true);
    }
  }

  /** Read back, cut flows, prove; the first failure is returned (the caller rolls back). */
  private async prove(
    probe: QuarantineSpec['probe'],
    plan: RulesetPlan,
    expected: CanonicalTable,
    options: ApplyOptions,
    progress: Progress,
  ): Promise<QuarantineError | null> {
    const { checks, timings } = progress;
    const t = Date.now();
    const found = canonicalFromListing(await this.nft.listTable().catch(() => null));
    const same = found?.hash === expected.hash;
    timings.readbackMs = Date.now() - t;
    checks.push({
      name: 'readback',
      ok: same,
      ms: timings.readbackMs,
      detail: same
        ? `${TABLE_NAME} read back as meant (${expected.hash})`
        : found
          ? diffLines(expected.lines, found.lines)
          : 'the table is not there',
    });
    if (!same) {
      return new QuarantineError(
        QuarantineErrorCode.ReadbackMismatch,
        `${TABLE_NAME} read back differs from what was applied: ${checks.at(-1)?.detail ?? ''}`,
      );
    }

    const t2 = Date.now();
    try {
      const local = this.localAddresses();
      const cut = await cutFlows(this.conntrack, (flow) => flowAllowed(plan, flow, local));
      timings.cutMs = Date.now() - t2;
      progress.flowsCut = cut.cut;
    } catch (err) {
      timings.cutMs = Date.now() - t2;
      return err instanceof QuarantineError
        ? err
        : new QuarantineError(QuarantineErrorCode.ConntrackFailed, errorMessage(err));
    }

    const t3 = Date.now();
    const check =
      options.checkController ?? tcpControllerCheck(plan.controllerAddresses, plan.controllerPort);
    const controller = await proveController(
      check,
      options.deadlineMs ?? DEFAULT_PROVE_DEADLINE_MS,
    );
    checks.push(controller);
    if (!controller.ok) {
      timings.proveMs = Date.now() - t3;
      return new QuarantineError(QuarantineErrorCode.ControllerUnreachable, controller.detail);
    }
    if (probe) {
      const result = await probeUnreachable(probe);
      checks.push(result);
      if (!result.ok) {
        timings.proveMs = Date.now() - t3;
        return new QuarantineError(QuarantineErrorCode.ProbeReachable, result.detail);
      }
    }
    timings.proveMs = Date.now() - t3;
    return null;
  }

  /** Puts our table back as it was before (or removes it) and reads it back to be sure. */
  private async rollBack(
    previous: unknown,
    previousCanonical: CanonicalTable | null,
    checks: CheckRecord[],
  ): Promise<boolean> {
    const t = Date.now();
    try {
      if (previousCanonical) await this.nft.apply(restoreTransaction(previous));
      else await this.nft.deleteTable();
      const found = canonicalFromListing(await this.nft.listTable());
      const ok = found?.hash === previousCanonical?.hash;
      checks.push({
        name: 'rollback-readback',
        ok,
        ms: Date.now() - t,
        detail: ok
          ? previousCanonical
            ? `${TABLE_NAME} restored as it was (${previousCanonical.hash})`
            : `${TABLE_NAME} removed: there was none before`
          : `after rollback ${TABLE_NAME} is ${found ? found.hash : 'absent'}, before it was ${previousCanonical?.hash ?? 'absent'}`,
      });
      return ok;
    } catch (err) {
      checks.push({
        name: 'rollback-readback',
        ok: false,
        ms: Date.now() - t,
        detail: `rollback failed: ${errorMessage(err)}`,
      });
      return false;
    }
  }

  private async releaseNow(): Promise<ReleaseResult> {
    const t = Date.now();
    try {
      const wasPresent = (await this.nft.listTable()) !== null;
      await this.nft.deleteTable();
      if ((await this.nft.listTable()) !== null) {
        return {
          state: 'failed',
          code: QuarantineErrorCode.ReadbackMismatch,
          reason: `${TABLE_NAME} is still there after its deletion`,
        };
      }
      await this.store.clear();
      return { state: 'released', tableWasPresent: wasPresent, ms: Date.now() - t };
    } catch (err) {
      return {
        state: 'failed',
        code: err instanceof QuarantineError ? err.code : QuarantineErrorCode.ToolFailed,
        reason: errorMessage(err),
      };
    }
  }

  private async checkNow(): Promise<CheckResult> {
    try {
      const desired = await this.store.load();
      if (!desired) return { state: 'none' };
      const ruleset = buildRuleset(desired.plan);
      const expected = canonicalFromRuleset(ruleset);
      const found = canonicalFromListing(await this.nft.listTable());
      if (found?.hash === expected.hash) return { state: 'intact', rulesetHash: expected.hash };

      await this.nft.apply(replaceTransaction(ruleset));
      const back = canonicalFromListing(await this.nft.listTable());
      if (back?.hash !== expected.hash) {
        return {
          state: 'failed',
          code: QuarantineErrorCode.ReadbackMismatch,
          reason: `${TABLE_NAME} could not be put back: ${back ? diffLines(expected.lines, back.lines) : 'still absent'}`,
        };
      }
      const bootId = await this.bootId();
      // Same table an older agent version applied, or lost to a reboot: put back, no tampering.
      const upgraded = found?.hash === desired.rulesetHash;
      const rebooted = !found && bootId !== desired.bootId;
      if (upgraded || rebooted) {
        if (rebooted || expected.hash !== desired.rulesetHash)
          await this.store.save({ ...desired, bootId, rulesetHash: expected.hash });
        return { state: 'reapplied', rulesetHash: expected.hash };
      }
      return {
        state: 'restored',
        rulesetHash: expected.hash,
        tamper: {
          kind: found ? 'changed' : 'missing',
          expectedHash: expected.hash,
          foundHash: found?.hash ?? null,
          detail: found
            ? diffLines(expected.lines, found.lines)
            : `${TABLE_NAME} was removed (nft flush ruleset, a firewall restart or a delete)`,
        },
      };
    } catch (err) {
      return {
        state: 'failed',
        code: err instanceof QuarantineError ? err.code : QuarantineErrorCode.ToolFailed,
        reason: errorMessage(err),
      };
    }
  }

  private async requireConntrack(): Promise<void> {
    const run = await runTool(
      this.conntrack,
      ['--version'],
      undefined,
      QuarantineErrorCode.ConntrackMissing,
    );
    if (run.code !== 0)
      throw new QuarantineError(
        QuarantineErrorCode.ConntrackMissing,
        `${this.conntrack} --version failed: ${run.stderr.trim()}`,
      );
  }

  private async evidence(
    host: string,
    plan: RulesetPlan,
    hash: string,
    { checks, timings, flowsCut }: Progress,
    started: number,
  ): Promise<QuarantineEvidence> {
    const text = await this.nft
      .listTableText()
      .catch((err: unknown) => `(cannot list: ${errorMessage(err)})`);
    return {
      mode: plan.mode,
      table: TABLE_NAME,
      rulesetHash: hash,
      ruleset: (text ?? '').slice(0, RULESET_TEXT_CAP),
      controller: { host, port: plan.controllerPort, addresses: plan.controllerAddresses },
      allowlist: plan.allowlist,
      resolvers: plan.resolvers,
      flowsCut,
      checks,
      timings: {
        resolveMs: timings.resolveMs ?? 0,
        applyMs: timings.applyMs ?? 0,
        readbackMs: timings.readbackMs ?? 0,
        cutMs: timings.cutMs ?? 0,
        proveMs: timings.proveMs ?? 0,
        totalMs: Date.now() - started,
      },
      appliedAt: new Date().toISOString(),
    };
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

/** What one apply has done and measured so far: the evidence, or the failure's context. */
interface Progress {
  checks: CheckRecord[];
  timings: Partial<Timings>;
  flowsCut: number;
}

function hostAddresses(): Set<string> {
  const out = new Set<string>();
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) out.add(a.address.replace(/%.*$/, ''));
  }
  return out;
}

async function readBootId(): Promise<string> {
  return (
    await fsp.readFile('/proc/sys/kernel/random/boot_id', 'utf8').catch(() => 'unknown')
  ).trim();
}
