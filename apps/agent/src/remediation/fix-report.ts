import type { CopyPlan, FixResult, RestoreResult } from '@log4fleet/remediation';
import type { Finding, Status } from '@log4fleet/scanner';
import { ExitCodeTracker, ScanExit, type ScanExitCode } from '../scan/exit-code';
import { printable } from '../scan/report-table';

/** Exit code of `fix`: scan's codes, judged on the files as they are now (after the fix). */
export function fixExitCode(results: readonly FixResult[]): ScanExitCode {
  const tracker = new ExitCodeTracker();
  for (const r of results) {
    for (const f of r.outcome === 'fixed' ? (r.after ?? []) : r.before) tracker.onFinding(f);
    if (r.outcome === 'failed') tracker.onError();
    for (const e of r.errors) tracker.onError(e);
  }
  return tracker.code();
}

/** 0 when every file holds its original, 3 when one could not be restored. */
export function restoreExitCode(results: readonly RestoreResult[]): ScanExitCode {
  return results.some((r) => r.outcome === 'refused' || r.outcome === 'failed')
    ? ScanExit.INCOMPLETE
    : ScanExit.CLEAN;
}

export const FIX_EXIT_CODE_HELP = `
Exit codes (those of scan, judged on each file as it is after the fix):
  0   nothing vulnerable left
  1   only mitigated or undecided copies, or log4j 1.x, left (a fixed 2.x copy is "mitigated":
      CVE-2021-45105/44832 still need an upgrade)
  2   a vulnerable log4j-core copy is left (refused, failed, or --dry-run)
  3   a file could not be read or fixed (its original is untouched), and nothing above
  64  usage error
`;

export const RESTORE_EXIT_CODE_HELP = `
Exit codes:
  0   every file holds its original again (or already did)
  3   a file was not restored: no backup, changed since the fix (see --force), or an error
  64  usage error
`;

function afterStatus(r: FixResult, c: CopyPlan): Status | '-' {
  if (r.outcome !== 'fixed') return '-';
  const f = r.after?.find((a: Finding) => a.path === c.path && a.packageRoot === c.packageRoot);
  return f?.status ?? '-';
}

function actionText(r: FixResult, c: CopyPlan): string {
  if (c.action === 'refused') return `refused: ${c.refusal?.code ?? ''}`;
  if (c.action === 'none') return 'nothing to do';
  const what = c.product === 'log4j-core' ? 'JndiLookup' : `${c.remove.length} classes`;
  if (r.outcome === 'would-fix') return `would remove ${what}`;
  return r.outcome === 'fixed' ? `removed ${what}` : 'not changed';
}

function columns(header: string[], rows: string[][]): string[] {
  const cells = rows.map((row) => row.map(printable));
  const widths = header.map((h, i) => cells.reduce((w, r) => Math.max(w, r[i].length), h.length));
  const line = (r: string[]): string =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(header), ...cells.map(line)];
}

export function renderFixTable(results: readonly FixResult[], operationId: string): string {
  const copies = results.flatMap((r) => r.copies.map((c) => ({ r, c })));
  const lines: string[] =
    copies.length === 0
      ? ['No log4j found.']
      : columns(
          ['PATH', 'VERSION', 'BEFORE', 'ACTION', 'AFTER'],
          copies.map(({ r, c }) => [
            c.path,
            c.version,
            c.status,
            actionText(r, c),
            afterStatus(r, c),
          ]),
        );
  lines.push('');
  for (const r of results) {
    // A refusal's reasons are those of its copies, listed below it.
    const detail =
      r.outcome === 'refused' && r.copies.some((c) => c.refusal) ? '' : `: ${r.message}`;
    lines.push(printable(`${r.path}: ${r.outcome}${detail}`));
    for (const c of r.copies.filter((x) => x.refusal)) {
      lines.push(printable(`  ${c.path} (${c.packageRoot || 'root'}): ${c.refusal?.reason ?? ''}`));
    }
    for (const s of r.signaturesStripped) lines.push(printable(`  signature removed: ${s}`));
    for (const h of r.restartNeeded) {
      lines.push(
        printable(`  restart needed: pid ${h.pid} (${h.command ?? '?'}) still runs the old file`),
      );
    }
    if (r.backup) lines.push(printable(`  backup: ${r.backup.dir}`));
  }
  const count = (o: FixResult['outcome']): number => results.filter((r) => r.outcome === o).length;
  lines.push(
    '',
    `${results.length} files: ${count('fixed')} fixed, ${count('would-fix')} would be fixed, ${count('refused')} refused, ${count('nothing-to-do')} nothing to do, ${count('failed')} failed (operation ${operationId})`,
  );
  return `${lines.join('\n')}\n`;
}

const brief = (f: Finding): object => ({
  path: f.path,
  packageRoot: f.packageRoot,
  product: f.product,
  version: f.version,
  status: f.status,
  cves: f.cves,
});

export function fixLine(r: FixResult): string {
  return JSON.stringify({
    type: 'fix',
    path: r.path,
    target: r.target,
    outcome: r.outcome,
    message: r.message,
    copies: r.copies.map((c) => ({
      path: c.path,
      packageRoot: c.packageRoot,
      product: c.product,
      version: c.version,
      status: c.status,
      cves: c.cves,
      action: c.action,
      remove: c.remove,
      ...(c.refusal ? { refusal: c.refusal } : {}),
    })),
    before: r.before.map(brief),
    after: r.after?.map(brief) ?? null,
    errors: r.errors.map((e) => ({ path: e.path, code: e.code, error: e.error })),
    removed: r.removed,
    signaturesStripped: r.signaturesStripped,
    sha256Before: r.sha256Before ?? null,
    sha256After: r.sha256After ?? null,
    backup: r.backup ?? null,
    restartNeeded: r.restartNeeded,
  });
}

export function fixSummaryLine(
  results: readonly FixResult[],
  operationId: string,
  exitCode: number,
): string {
  const count = (o: FixResult['outcome']): number => results.filter((r) => r.outcome === o).length;
  return JSON.stringify({
    type: 'summary',
    operationId,
    files: results.length,
    fixed: count('fixed'),
    wouldFix: count('would-fix'),
    refused: count('refused'),
    nothingToDo: count('nothing-to-do'),
    failed: count('failed'),
    exitCode,
  });
}

export function renderRestoreTable(results: readonly RestoreResult[]): string {
  const lines = columns(
    ['PATH', 'OUTCOME', 'OPERATION', 'DETAIL'],
    results.map((r) => [r.path, r.outcome, r.operationId ?? '-', r.message]),
  );
  const restored = results.filter((r) => r.outcome === 'restored').length;
  lines.push('', `${results.length} files: ${restored} restored`);
  return `${lines.join('\n')}\n`;
}

export function restoreLine(r: RestoreResult): string {
  return JSON.stringify({ type: 'restore', ...r });
}
