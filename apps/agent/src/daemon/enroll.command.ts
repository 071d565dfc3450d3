import type { Command } from 'commander';
import { AGENT_VERSION } from '../version';
import { enroll, EnrollError, EXIT } from './enroll';
import { resolveStateDir } from './state-dir';

interface EnrollFlags {
  controller: string;
  token?: string;
  ca?: string;
  insecure?: boolean;
  force?: boolean;
  stateDir?: string;
  timeout: string;
}

export function registerEnrollCommand(program: Command): void {
  program
    .command('enroll')
    .description("exchange a one-time enrollment token for this host's own credentials")
    .requiredOption(
      '--controller <url>',
      'controller address: grpcs://host:port, or grpc://host:port with --insecure',
    )
    .option(
      '--token <token>',
      'enrollment token (or env LOG4FLEET_ENROLL_TOKEN, which keeps it out of ps)',
    )
    .option(
      '--ca <file>',
      'PEM CA to verify the controller with (without it, its certificate is pinned on first use)',
    )
    .option('--insecure', 'allow a plaintext grpc:// controller (local/dev only)')
    .option('--force', 'enroll again even though this host already has credentials')
    .option(
      '--state-dir <dir>',
      'state directory (env LOG4FLEET_STATE_DIR, default /var/lib/log4fleet-agent)',
    )
    .option('--timeout <seconds>', 'give up on an unreachable controller after this long', '15')
    .action(async (flags: EnrollFlags) => {
      process.exitCode = await runEnroll(flags);
    });
}

async function runEnroll(flags: EnrollFlags): Promise<number> {
  const timeoutS = Number(flags.timeout);
  if (!Number.isFinite(timeoutS) || timeoutS <= 0)
    return fail(`bad --timeout "${flags.timeout}"`, EXIT.usage);
  const stateDir = resolveStateDir(flags.stateDir);
  try {
    const result = await enroll({
      stateDir,
      controllerUrl: flags.controller,
      token: flags.token ?? process.env['LOG4FLEET_ENROLL_TOKEN'] ?? '',
      caFile: flags.ca,
      insecure: flags.insecure === true,
      force: flags.force === true,
      agentVersion: AGENT_VERSION,
      timeoutMs: timeoutS * 1000,
    });
    if (result.pinnedFingerprint) {
      process.stdout.write(`pinned controller certificate sha256 ${result.pinnedFingerprint}\n`);
      process.stdout.write(
        "compare it with the controller's; if it differs, delete the credentials and enroll with --ca\n",
      );
    }
    process.stdout.write(
      `enrolled: agent id ${result.credentials.agentId}, host id ${result.credentials.hostId}\n`,
    );
    process.stdout.write(`credentials stored in ${stateDir}\n`);
    return 0;
  } catch (err) {
    if (err instanceof EnrollError) return fail(err.message, err.exitCode);
    throw err;
  }
}

function fail(message: string, code: number): number {
  process.stderr.write(`log4fleet-agent enroll: ${message}\n`);
  return code;
}
