import path from 'node:path';
import { Command, Option } from 'commander';
import {
  defaultLogLocations,
  findChangedFiles,
  hunt,
  IndicatorMatcher,
  jvmLogFiles,
  loadIndicatorDir,
  type HuntOptions,
  type HuntSummary,
  type LogFile,
} from '@log4fleet/hunt';
import { probeJvms } from '@log4fleet/jvm-probe';
import { AGENT_VERSION } from '../version';
import { openFileOutput, stdoutOutput } from '../scan/scan.command';
import { collectRepeatable, parseByteSize } from '../scan/scan-options';
import { HUNT_EXIT_CODE_HELP, HuntExit, HuntExitTracker } from './hunt-exit-code';
import { ADVISORY_DATE, parseSince, type HuntCliOptions } from './hunt-options';
import { createHuntReporter, type HuntReportFormat } from './hunt-report';
import { connectionHit } from './jvm-connections';

function reportFormat(opts: HuntCliOptions): HuntReportFormat {
  if (opts.json) return 'jsonl';
  if (opts.sarif) return 'sarif';
  return 'table';
}

async function loadIndicators(
  dir: string | undefined,
  cmd: Command,
): Promise<IndicatorMatcher | undefined> {
  if (!dir) return undefined;
  try {
    const { set, warnings } = await loadIndicatorDir(dir);
    for (const w of warnings) process.stderr.write(`${w}\n`);
    return new IndicatorMatcher(set);
  } catch (err) {
    return cmd.error(err instanceof Error ? err.message : String(err), {
      exitCode: HuntExit.USAGE,
    });
  }
}

/** With no PATH: the usual log directories (log-named files only) and the files running JVMs write. */
async function targets(
  paths: string[],
  opts: HuntCliOptions,
): Promise<{ files: LogFile[]; logNamesOnly: boolean }> {
  if (paths.length > 0)
    return { files: paths.map((p) => ({ path: path.resolve(p) })), logNamesOnly: false };
  const jvm = opts.jvms === false ? [] : await jvmLogFiles();
  return {
    files: [...defaultLogLocations().map((p) => ({ path: p })), ...jvm],
    logNamesOnly: true,
  };
}

async function runHunt(paths: string[], opts: HuntCliOptions, cmd: Command): Promise<void> {
  const indicators = await loadIndicators(opts.indicators, cmd);
  const out = opts.output
    ? await openFileOutput(opts.output).catch((err: Error) =>
        cmd.error(`cannot write report to ${opts.output}: ${err.message}`, {
          exitCode: HuntExit.USAGE,
        }),
      )
    : stdoutOutput();
  const reporter = createHuntReporter(reportFormat(opts), out, AGENT_VERSION);
  const exit = new HuntExitTracker();
  const { files, logNamesOnly } = await targets(paths, opts);
  const options: HuntOptions = {
    paths: files,
    logNamesOnly,
    ...(opts.since !== undefined ? { sinceMs: opts.since } : {}),
    ...(indicators ? { indicators, indicatorPaths: opts.indicatorPath ?? [] } : {}),
    limits: {
      ...(opts.maxLineBytes !== undefined ? { maxLineBytes: opts.maxLineBytes } : {}),
      ...(opts.maxDecompressedBytes !== undefined
        ? { maxDecompressedBytes: opts.maxDecompressedBytes }
        : {}),
    },
  };
  const summary: HuntSummary = await hunt(options, {
    hit: (h) => {
      exit.onHit(h);
      reporter.hit(h);
    },
    error: (e) => {
      exit.onError(e);
      reporter.error(e);
    },
  });
  // The JVM inspection's outbound LDAP/RMI/DNS connections: a hunt of the whole host includes them.
  if (paths.length === 0 && opts.jvms !== false) {
    const report = await probeJvms({ scanJar: () => ({ findings: [], errors: [] }) });
    for (const c of report.indicators) {
      const h = connectionHit(c, indicators);
      exit.onHit(h);
      reporter.hit(h);
      summary.hits++;
    }
  }
  if (opts.configDir && opts.configDir.length > 0) {
    const sinceMs = opts.changedSince ?? opts.since ?? parseSince(ADVISORY_DATE);
    const changed = await findChangedFiles(
      { paths: opts.configDir.map((d) => path.resolve(d)), sinceMs },
      (e) => {
        exit.onError(e);
        reporter.error(e);
        summary.errors++;
      },
    );
    for (const f of changed) {
      exit.onChangedFile();
      reporter.changedFile(f);
    }
  }
  const code = exit.code();
  reporter.finish(summary, code);
  await out.close();
  process.exitCode = code;
}

function dateOption(value: string): number {
  return parseSince(value);
}

export function registerHuntCommand(program: Command): void {
  program
    .command('hunt')
    .description(
      'hunt logs for signs of Log4Shell exploitation: obfuscated exploit strings, traces of lookups that ran, indicators of compromise (no controller needed)',
    )
    .argument(
      '[PATH...]',
      'log files or directories (.gz included); default: the usual log locations and the files running JVMs write',
    )
    .addOption(
      new Option(
        '--json',
        'print JSON lines: one per hit and error as they are found, then a summary',
      ).conflicts('sarif'),
    )
    .addOption(
      new Option('--sarif', 'print a SARIF 2.1.0 log when the hunt ends').conflicts('json'),
    )
    .option(
      '--since <date>',
      'only lines written at or after this date (2021-12-01, local midnight; or ISO 8601)',
      dateOption,
    )
    .option(
      '--indicators <dir>',
      'indicator set in Fenrir layout (hash-iocs.txt, string-iocs.txt, filename-iocs.txt, c2-iocs.txt)',
    )
    .option(
      '--indicator-path <path>',
      'also check the files under this path against the indicator hashes and names (repeatable)',
      collectRepeatable,
    )
    .option(
      '--config-dir <dir>',
      'list files under this configuration or application directory changed after --changed-since (repeatable)',
      collectRepeatable,
    )
    .option(
      '--changed-since <date>',
      `date for --config-dir (default: --since, else ${ADVISORY_DATE})`,
      dateOption,
    )
    .option(
      '--no-jvms',
      'with no PATH, leave out the files running JVMs write and their connections',
    )
    .option(
      '--max-line-bytes <size>',
      'longer lines are read in windows of this size (default 1M)',
      parseByteSize,
    )
    .option(
      '--max-decompressed-bytes <size>',
      'stop reading a compressed log after this much text (default 8G)',
      parseByteSize,
    )
    .option('-o, --output <file>', 'write the report to this file instead of stdout')
    .addHelpText('after', HUNT_EXIT_CODE_HELP)
    .action(async (paths: string[], opts: HuntCliOptions, cmd: Command) =>
      runHunt(paths, opts, cmd),
    );
}
