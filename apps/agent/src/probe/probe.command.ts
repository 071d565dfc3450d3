import { Command, Option } from 'commander';
import { PROBE_DEFAULTS, runProbe } from '@log4fleet/probe';
import { integerIn } from '../scan/scan-options';
import {
  PROBE_EXIT_HELP,
  ProbeExit,
  probeExitCode,
  reportLines,
  reportTable,
} from './probe-report';

interface ProbeCliOptions {
  port?: number[];
  json?: boolean;
  output?: string;
  rate: number;
  maxRequests: number;
  timeBudget: number;
}

const collectPort = (value: string, previous: number[] = []): number[] => [
  ...previous,
  integerIn(1, 65535)(value),
];

async function writeReport(text: string, file: string | undefined, cmd: Command): Promise<void> {
  if (!file) {
    process.stdout.write(text);
    return;
  }
  const { writeFile } = await import('node:fs/promises');
  await writeFile(file, text).catch((err: Error) =>
    cmd.error(`cannot write report to ${file}: ${err.message}`, { exitCode: ProbeExit.USAGE }),
  );
}

async function runProbeCommand(opts: ProbeCliOptions, cmd: Command): Promise<void> {
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const report = await runProbe({
      targets: opts.port?.map((port) => ({ port })),
      ratePerSecond: opts.rate,
      maxRequests: opts.maxRequests,
      timeBudgetMs: opts.timeBudget * 1000,
      signal: controller.signal,
    });
    const code = probeExitCode(report);
    const style = {
      color: !opts.output && process.stdout.isTTY === true && process.env['NO_COLOR'] === undefined,
    };
    await writeReport(
      opts.json ? reportLines(report, code) : reportTable(report, style),
      opts.output,
      cmd,
    );
    process.exitCode = code;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

export function registerProbeCommand(program: Command): void {
  program
    .command('probe')
    .description(
      "send marked lookup strings to this host's JVM HTTP listeners (own addresses only) and report which fields make a service perform a JNDI lookup; the callbacks go to responders on loopback: nothing leaves the host",
    )
    .option(
      '--port <n>',
      'probe the JVM listening on this port; repeat for more (default: every JVM listener)',
      collectPort,
    )
    .addOption(
      new Option('--json', 'print JSON lines: each target, finding and error, then a summary'),
    )
    .option('-o, --output <file>', 'write the report to this file instead of stdout')
    .option(
      '--rate <n>',
      `requests per second (default ${PROBE_DEFAULTS.ratePerSecond})`,
      integerIn(1, 200),
      PROBE_DEFAULTS.ratePerSecond,
    )
    .option(
      '--max-requests <n>',
      `requests in all (default ${PROBE_DEFAULTS.maxRequests})`,
      integerIn(1, 10_000),
      PROBE_DEFAULTS.maxRequests,
    )
    .option(
      '--time-budget <seconds>',
      `no request starts after this (default ${PROBE_DEFAULTS.timeBudgetMs / 1000})`,
      integerIn(1, 3600),
      PROBE_DEFAULTS.timeBudgetMs / 1000,
    )
    .addHelpText('after', PROBE_EXIT_HELP)
    .action(async (opts: ProbeCliOptions, cmd: Command) => runProbeCommand(opts, cmd));
}
