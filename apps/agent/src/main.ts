// First: the heap flag is set before the scan allocates (see heap-tuning.ts).
import './heap-tuning';
import { Command, CommanderError } from 'commander';
import { AGENT_VERSION } from './version';
import { registerScanCommand, setProcessScanner } from './scan/scan.command';
import { makeProcessScanner } from './scan/process-scan';
import { registerDaemonCommands } from './daemon/daemon.command';
import { registerProbeCommand } from './probe/probe.command';
import { registerRemediationCommands } from './remediation/fix.command';
import { registerHuntCommand } from './hunt/hunt.command';

/** Exit code for usage errors (BSD sysexits EX_USAGE). */
export const EXIT_USAGE = 64;

function usageHint(command?: string): string {
  return command
    ? `(run 'log4fleet-agent ${command} --help' for its options and exit codes)`
    : "(run 'log4fleet-agent --help' for the commands)";
}

function buildProgram(): Command {
  const program = new Command('log4fleet-agent')
    .description(
      'log4fleet endpoint agent: find log4j on this host, and serve a log4fleet controller',
    )
    .version(AGENT_VERSION)
    .exitOverride()
    .showHelpAfterError(usageHint());
  setProcessScanner(makeProcessScanner((line) => process.stderr.write(`${line}\n`)));
  registerScanCommand(program);
  registerProbeCommand(program);
  registerRemediationCommands(program);
  registerHuntCommand(program);
  registerDaemonCommands(program);
  // A usage error prints the one line that was wrong and where to look, not the whole help.
  for (const command of program.commands) command.showHelpAfterError(usageHint(command.name()));
  return program;
}

async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version')
        process.exit(0);
      process.exit(err.exitCode === 0 ? 0 : EXIT_USAGE);
    }
    throw err;
  }
}

main(process.argv).catch((err: unknown) => {
  process.stderr.write(`log4fleet-agent: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(70);
});
