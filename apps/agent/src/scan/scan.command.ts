import { createWriteStream, type WriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { Command, Option } from 'commander';
import {
  DEFAULT_LIMITS,
  MAX_EXCLUDE_PATTERN_CHARS,
  MAX_EXCLUDE_PATTERNS,
  MountTable,
  mountSkipReason,
  plannedMountSkips,
  scan,
  type ScanError,
  type ScanOptions,
  type ScanSummary,
} from '@log4fleet/scanner';
import { AGENT_VERSION } from '../version';
import { EXIT_CODE_HELP, ExitCodeTracker, ScanExit } from './exit-code';
import { formatBytes, ProgressLine } from './progress';
import { createReporter, type ReportOutput } from './report-writer';
import {
  collectExclude,
  integerIn,
  parseByteSize,
  reportFormat,
  toScanOptions,
  type ScanCliOptions,
} from './scan-options';
import { describeFact, type JvmFact } from './jvm-facts';
import { mergeSummaries, type JvmScanSink } from './process-scan';
import { rawUserArguments, withRawBytes } from './raw-argv';

/**
 * Same contract as the scanner engine's scan(), for running JVMs instead of paths; what it
 * learns besides findings and errors (mitigation flags, outbound connections) goes to the
 * sink's jvmFact.
 */
export type ProcessScanner = (options: ScanOptions, sink: JvmScanSink) => Promise<ScanSummary>;

let processScanner: ProcessScanner | undefined;

/** Connects running-JVM inspection (--processes); without it the option is a usage error. */
export function setProcessScanner(fn: ProcessScanner | undefined): void {
  processScanner = fn;
}

export const PROCESSES_UNAVAILABLE = 'running-JVM inspection is not available in this build';

export interface OpenedOutput extends ReportOutput {
  isTTY: boolean;
  close(): Promise<void>;
}

/** Exit code when the reader of stdout went away (`scan --json | head`), as if killed by SIGPIPE. */
export const EXIT_PIPE_CLOSED = 141;

export function stdoutOutput(): OpenedOutput {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(EXIT_PIPE_CLOSED);
    throw err;
  });
  return {
    isTTY: process.stdout.isTTY === true,
    write: (t) => void process.stdout.write(t),
    close: () => Promise.resolve(),
  };
}

/** Opens the report file before the scan starts, so that a bad path fails in a second, not after the scan. */
export async function openFileOutput(file: string): Promise<OpenedOutput> {
  const stream: WriteStream = createWriteStream(file);
  await new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', reject);
  });
  let failure: Error | undefined;
  stream.on('error', (err) => (failure = err));
  return {
    isTTY: false,
    write: (t) => void stream.write(t),
    close: () =>
      new Promise<void>((resolve, reject) => {
        stream.end(() =>
          failure
            ? reject(new Error(`cannot write report to ${file}: ${failure.message}`))
            : resolve(),
        );
      }),
  };
}

function useColor(out: OpenedOutput): boolean {
  return out.isTTY && process.env['NO_COLOR'] === undefined;
}

/** --verbose: the paths given that sit on a skipped filesystem, then the skipped mounts below them. */
async function printPlannedSkips(options: ScanOptions): Promise<void> {
  try {
    const table = await MountTable.read();
    const policy = {
      includeNetworkFs: options.includeNetworkFs,
      includePseudoFs: false,
      oneFileSystem: options.oneFileSystem,
    };
    const walked: string[] = [];
    for (const root of options.paths) {
      // The engine scans a file given by name wherever it is; only directories are walked.
      const dev = await stat(root).then(
        (st) => (st.isDirectory() ? st.dev : undefined),
        () => undefined,
      );
      const mount = dev === undefined ? undefined : table.lookup(dev);
      const reason = mount && mountSkipReason(mount, { ...policy, oneFileSystem: false });
      const shown = typeof root === 'string' ? root : root.toString('utf8');
      if (reason) process.stderr.write(`skipping ${shown}: ${reason}\n`);
      else walked.push(shown);
    }
    for (const skip of plannedMountSkips(walked, policy, table)) {
      process.stderr.write(`skipping ${skip.mountPoint}: ${skip.reason}\n`);
    }
  } catch (err) {
    process.stderr.write(
      `cannot list mounts: ${err instanceof Error ? err.message : String(err)}\n`,
    );
  }
}

async function runScan(paths: string[], opts: ScanCliOptions, cmd: Command): Promise<void> {
  if (opts.processes && !processScanner)
    cmd.error(PROCESSES_UNAVAILABLE, { exitCode: ScanExit.USAGE, code: 'log4fleet.unavailable' });
  if (opts.processes && paths.length > 0)
    cmd.error('--processes inspects running JVMs and takes no PATH', { exitCode: ScanExit.USAGE });
  const options = toScanOptions(
    withRawBytes(paths, rawUserArguments()),
    opts,
    path.join(__dirname, 'scan-worker.js'),
  );
  const format = reportFormat(opts);
  const out = opts.output
    ? await openFileOutput(opts.output).catch((err: Error) =>
        cmd.error(`cannot write report to ${opts.output}: ${err.message}`, {
          exitCode: ScanExit.USAGE,
        }),
      )
    : stdoutOutput();
  const reporter = createReporter(format, out, {
    color: useColor(out),
    toolVersion: AGENT_VERSION,
    explain: opts.explain,
  });
  const exit = new ExitCodeTracker();
  const progress =
    format === 'table' && opts.progress && process.stderr.isTTY
      ? new ProgressLine(process.stderr)
      : undefined;
  if (opts.verbose && !opts.processes) await printPlannedSkips(options);

  const sink: JvmScanSink = {
    finding: (f) => {
      exit.onFinding(f);
      reporter.finding(f);
    },
    error: (e: ScanError) => {
      exit.onError(e);
      reporter.error(e);
    },
    progress: (p) => progress?.update(p),
    // The table shows JVM facts in the report; JSON and SARIF carry them as records, and the
    // person watching stderr still reads them as they come.
    jvmFact: (fact: JvmFact) => {
      if (format !== 'table') process.stderr.write(`${describeFact(fact)}\n`);
      reporter.jvmFact(fact);
    },
  };
  let summary: ScanSummary;
  try {
    summary = await (opts.processes && processScanner
      ? processScanner(options, sink)
      : scan(options, sink));
    // A full scan of the host (no PATH given) covers the running JVMs too: a jar patched on
    // disk may still be the old one in memory.
    if (!opts.processes && paths.length === 0 && opts.jvms !== false && processScanner) {
      summary = mergeSummaries(summary, await processScanner(options, sink));
    }
  } finally {
    progress?.clear();
  }
  const code = exit.code();
  reporter.finish(summary, code);
  await out.close();
  process.exitCode = code;
}

export function registerScanCommand(program: Command): void {
  program
    .command('scan')
    .description(
      'scan files, nested archives and exploded directories of this host for log4j (no controller needed)',
    )
    .argument('[PATH...]', 'files or directories to scan (default: /)')
    .addOption(
      new Option(
        '--json',
        'print JSON lines: one per finding and error as they are found, then a summary',
      ).conflicts('sarif'),
    )
    .addOption(
      new Option('--sarif', 'print a SARIF 2.1.0 log when the scan ends').conflicts('json'),
    )
    .option(
      '--exclude <glob>',
      `skip paths matching a glob (*, **, ?, [...], {a,b}) or under a path prefix; repeat the option for more (at most ${MAX_EXCLUDE_PATTERNS}, ${MAX_EXCLUDE_PATTERN_CHARS} characters each)`,
      collectExclude,
    )
    .option('--include-network-fs', 'also scan NFS, CIFS, sshfs and other network filesystems')
    .option('--one-file-system', 'do not cross into other mounted filesystems')
    .option(
      '--max-depth <n>',
      `deepest archive nesting to open (default ${DEFAULT_LIMITS.maxDepth})`,
      integerIn(0, 64),
    )
    .option(
      '--max-nested-bytes <size>',
      `nested archives above this size are spilled to disk, e.g. 64M, 1G (default ${formatBytes(DEFAULT_LIMITS.maxNestedBytes)})`,
      parseByteSize,
    )
    .option(
      '--threads <n>',
      'worker threads; 0 scans in the main thread (default: CPUs - 1, at least 1: the main thread walks the directories)',
      integerIn(0, 1024),
    )
    .option(
      '--nice',
      'be gentle: lowest CPU priority, and rest between batches (about half of each core used)',
    )
    .option('--processes', 'inspect running JVMs only, not the filesystem')
    .option(
      '--no-jvms',
      'with no PATH, scan the filesystem only (a full scan includes running JVMs)',
    )
    .option('--no-progress', 'no progress line on stderr')
    .option(
      '--explain',
      'table: list every piece of evidence under each finding (the WHY column shows the decisive one)',
    )
    .option('-o, --output <file>', 'write the report to this file instead of stdout')
    .option('-v, --verbose', 'list skipped mounts on stderr')
    .addHelpText('after', EXIT_CODE_HELP)
    .action(async (paths: string[], opts: ScanCliOptions, cmd: Command) =>
      runScan(paths, opts, cmd),
    );
}
