import type { Command } from 'commander';
import { fixFiles, restoreFiles } from '@log4fleet/remediation';
import { resolveStateDir } from '../daemon/state-dir';
import { EXIT_PIPE_CLOSED } from '../scan/scan.command';
import {
  FIX_EXIT_CODE_HELP,
  fixExitCode,
  fixLine,
  fixSummaryLine,
  renderFixTable,
  renderRestoreTable,
  RESTORE_EXIT_CODE_HELP,
  restoreExitCode,
  restoreLine,
} from './fix-report';

interface FixCliOptions {
  dryRun?: boolean;
  stripSignatures?: boolean;
  log4j1?: boolean;
  stateDir?: string;
  json?: boolean;
}

interface RestoreCliOptions {
  force?: boolean;
  stateDir?: string;
  json?: boolean;
}

function write(text: string): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(EXIT_PIPE_CLOSED);
    throw err;
  });
  process.stdout.write(text);
}

function runFix(paths: string[], opts: FixCliOptions): void {
  const run = fixFiles(paths, {
    stateDir: resolveStateDir(opts.stateDir),
    dryRun: opts.dryRun === true,
    stripSignatures: opts.stripSignatures === true,
    log4j1: opts.log4j1 === true,
  });
  const code = fixExitCode(run.results);
  write(
    opts.json
      ? `${[...run.results.map(fixLine), fixSummaryLine(run.results, run.operationId, code)].join('\n')}\n`
      : renderFixTable(run.results, run.operationId),
  );
  process.exitCode = code;
}

function runRestore(paths: string[], opts: RestoreCliOptions): void {
  const results = restoreFiles(paths, {
    stateDir: resolveStateDir(opts.stateDir),
    force: opts.force === true,
  });
  const code = restoreExitCode(results);
  const summary = JSON.stringify({
    type: 'summary',
    files: results.length,
    restored: results.filter((r) => r.outcome === 'restored').length,
    exitCode: code,
  });
  write(
    opts.json
      ? `${[...results.map(restoreLine), summary].join('\n')}\n`
      : renderRestoreTable(results),
  );
  process.exitCode = code;
}

const STATE_DIR_HELP =
  'agent state directory holding the backups (default: LOG4FLEET_STATE_DIR, else /var/lib/log4fleet-agent)';

export function registerRemediationCommands(program: Command): void {
  program
    .command('fix')
    .description(
      'remove JndiLookup from every vulnerable log4j-core copy in these files (nested and shaded copies too), keeping a backup',
    )
    .argument('<PATH...>', 'files to fix (a symlink fixes its target)')
    .option('--dry-run', 'say what would be removed, change nothing')
    .option(
      '--strip-signatures',
      'fix signed jars too, removing their signature files and manifest digests',
    )
    .option(
      '--log4j1',
      'for log4j 1.x, remove the classes of its CVEs (JMSAppender, JMSSink, SocketServer, SocketNode, JDBCAppender, chainsaw)',
    )
    .option('--state-dir <dir>', STATE_DIR_HELP)
    .option('--json', 'print JSON lines: one per file, then a summary')
    .addHelpText('after', FIX_EXIT_CODE_HELP)
    .action((paths: string[], opts: FixCliOptions) => runFix(paths, opts));

  program
    .command('restore')
    .description('put back the original of each fixed file (its latest backup), byte for byte')
    .argument('<PATH...>', 'files fixed earlier')
    .option('--force', 'restore even when the file changed since the fix')
    .option('--state-dir <dir>', STATE_DIR_HELP)
    .option('--json', 'print JSON lines: one per file, then a summary')
    .addHelpText('after', RESTORE_EXIT_CODE_HELP)
    .action((paths: string[], opts: RestoreCliOptions) => runRestore(paths, opts));
}
