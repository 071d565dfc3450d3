/**
 * Fixes one file: scan, plan, back up, rewrite into a temp file beside it, check the result
 * by reading it back (the planned classes are gone, it scans without new errors), then
 * rename it over the original. Any failure leaves the original untouched.
 */
import {
  closeSync,
  fstatSync,
  openSync,
  readSync,
  realpathSync,
  statSync,
  type Stats,
} from 'node:fs';
import {
  DEFAULT_LIMITS,
  FdSource,
  InflateBudget,
  scanFile,
  type Finding,
  type ScanError,
  type ScanLimits,
} from '@log4fleet/scanner';
import {
  backupOriginal,
  operationDir,
  settleBackup,
  sha256File,
  type BackupEntry,
} from './backup-store';
import { applyMeta, discard, publish, tempBeside } from './file-replace';
import { findHolders } from './holders';
import { planFix, type FilePlan } from './plan/plan-fix';
import type { FixOptions, FixResult } from './types';
import { rewriteArchive, type RewriteContext } from './zip/archive-rewriter';
import { namesOf, withArchivesAlong } from './zip/archive-walk';
import { OutputFile } from './zip/output-file';
import { TempFiles } from './zip/temp-files';
import { describeError } from './errors';

function baseResult(given: string, target: string): FixResult {
  return {
    path: given,
    target,
    outcome: 'nothing-to-do',
    message: '',
    copies: [],
    before: [],
    errors: [],
    removed: [],
    signaturesStripped: [],
    restartNeeded: [],
  };
}

/** Whether the file starts with a zip signature (a prefixed executable jar does not: then true). */
function startsLikeZip(file: string): boolean {
  const head = Buffer.alloc(4);
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const n = readSync(fd, head, 0, 4, 0);
    if (n < 4) return false;
    // PK\x03\x04 (a local header) or PK\x05\x06 (an empty zip); anything else with a zip inside
    // (a launch script in front) was found by the scan, or is not a zip.
    return head[0] === 0x50 && head[1] === 0x4b && (head[2] === 3 || head[2] === 5);
  } catch {
    return true;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

const fail = (r: FixResult, message: string): FixResult => ({ ...r, outcome: 'failed', message });

/** Errors about the file itself (not one nested part): nothing of it could be judged. */
function fileLevelError(errors: readonly ScanError[]): ScanError | undefined {
  return errors.find((e) => e.chain.length === 1);
}

function summarizeRefusals(plan: FilePlan): string {
  const reasons = plan.copies
    .filter((c) => c.refusal)
    .map((c) => `${c.packageRoot || '(root)'} ${c.version}: ${c.refusal?.reason ?? ''}`);
  return `nothing removed: ${reasons.join('; ')}`;
}

export function fixFile(given: string, opts: FixOptions, operationId: string): FixResult {
  let target: string;
  try {
    target = realpathSync(given);
  } catch (err) {
    return fail(baseResult(given, given), `cannot resolve ${given}: ${describeError(err)}`);
  }
  const result = baseResult(given, target);
  let st: Stats;
  try {
    st = statSync(target);
  } catch (err) {
    return fail(result, `cannot read ${target}: ${describeError(err)}`);
  }
  if (!st.isFile()) return fail(result, `${target} is not a regular file`);
  const limits: ScanLimits = { ...DEFAULT_LIMITS, ...opts.limits };
  const scan = scanFile(target, { limits });
  result.before = scan.findings;
  result.errors = scan.errors;
  const broken = fileLevelError(scan.errors);
  if (broken && scan.findings.length === 0) return fail(result, `${broken.code}: ${broken.error}`);
  if (scan.findings.length === 0)
    return {
      ...result,
      // A file that is not an archive at all is no scan error (the scanner skips it): say so.
      message: startsLikeZip(target)
        ? 'no log4j in this file'
        : 'not a zip archive: nothing to fix',
    };
  const temp = new TempFiles(opts.tempDir);
  try {
    const plan = planFix(
      target,
      scan.findings,
      { stripSignatures: opts.stripSignatures === true, log4j1: opts.log4j1 === true },
      limits,
      temp,
    );
    result.copies = plan.copies;
    result.signaturesStripped = plan.signatureFiles;
    const fixes = plan.copies.filter((c) => c.action === 'fix');
    if (fixes.length === 0) {
      const refused = plan.copies.some((c) => c.action === 'refused');
      return refused
        ? { ...result, outcome: 'refused', message: summarizeRefusals(plan) }
        : { ...result, message: 'no vulnerable copy of log4j' };
    }
    const planned = fixes.flatMap((c) => c.remove.map((n) => [...c.chain, n].join('!/')));
    if (opts.dryRun) {
      return {
        ...result,
        outcome: 'would-fix',
        removed: planned,
        message: `would remove ${planned.length} entr${planned.length === 1 ? 'y' : 'ies'}`,
      };
    }
    if (st.nlink > 1) {
      return {
        ...result,
        outcome: 'refused',
        message: `${target} has ${st.nlink} hard links: a new file would leave the other names on the vulnerable copy`,
      };
    }
    return replace(result, plan, opts, operationId, limits, temp);
  } catch (err) {
    return fail(result, `cannot fix ${target}: ${describeError(err)}`);
  } finally {
    temp.cleanup();
  }
}

function replace(
  result: FixResult,
  plan: FilePlan,
  opts: FixOptions,
  operationId: string,
  limits: ScanLimits,
  temp: TempFiles,
): FixResult {
  const target = result.target;
  const fd = openSync(target, 'r');
  let backup: BackupEntry | undefined;
  const tmp = tempBeside(target);
  let published = false;
  try {
    const st = fstatSync(fd);
    backup = backupOriginal(opts.stateDir, operationId, result.path, target, fd, st);
    const ctx: RewriteContext = {
      limits,
      budget: new InflateBudget(limits.maxTotalInflatedBytes),
      temp,
      removed: [],
      manifestsRewritten: [],
    };
    const out = OutputFile.create(tmp, 0o600);
    try {
      rewriteArchive(new FdSource(fd, st.size), plan.plan, out, ctx, [target]);
    } finally {
      out.finish(true);
    }
    applyMeta(tmp, st);
    const problem = verify(tmp, plan, result, limits, temp);
    if (problem)
      return fail(result, `the rewritten file failed its check, nothing replaced: ${problem}`);
    const now = statSync(target);
    if (now.ino !== st.ino || now.size !== st.size || now.mtimeMs !== st.mtimeMs) {
      return fail(result, `${target} changed while it was being fixed: nothing replaced`);
    }
    const sha256After = sha256File(tmp);
    const holders = findHolders(st.dev, st.ino, opts.procRoot);
    publish(tmp, target);
    published = true;
    settleBackup(opts.stateDir, operationId, backup.index, sha256After);
    const restart =
      holders.length > 0
        ? `; restart needed: ${holders.map((h) => h.pid).join(', ')} still run the old file`
        : '';
    return {
      ...result,
      outcome: 'fixed',
      removed: ctx.removed,
      signaturesStripped: [
        ...result.signaturesStripped,
        ...ctx.manifestsRewritten.map((m) => `${m} (per-entry digests)`),
      ],
      sha256Before: backup.sha256,
      sha256After,
      backup: { operationId, dir: operationDir(opts.stateDir, operationId) },
      restartNeeded: holders,
      message: `removed ${ctx.removed.length} entr${ctx.removed.length === 1 ? 'y' : 'ies'}${restart}`,
    };
  } finally {
    closeSync(fd);
    if (!published) {
      discard(tmp);
      if (backup) settleBackup(opts.stateDir, operationId, backup.index, undefined);
    }
  }
}

/** Reads the new file back: every planned class gone, and no part that no longer reads. */
function verify(
  tmp: string,
  plan: FilePlan,
  result: FixResult,
  limits: ScanLimits,
  temp: TempFiles,
): string | undefined {
  for (const copy of plan.copies.filter((c) => c.action === 'fix')) {
    const names = withArchivesAlong(tmp, [tmp, ...copy.chain.slice(1)], limits, temp, (zips) =>
      namesOf(zips[zips.length - 1]),
    );
    const left = copy.remove.filter((n) => names.includes(n));
    if (left.length > 0) return `${left.join(', ')} still in ${copy.path}`;
  }
  const after = scanFile(tmp, { limits, displayPath: result.target });
  if (after.errors.length > result.errors.length) {
    const e = after.errors[after.errors.length - 1];
    return `${e.path}: ${e.error}`;
  }
  result.after = after.findings.map((f): Finding => ({ ...f }));
  return undefined;
}
