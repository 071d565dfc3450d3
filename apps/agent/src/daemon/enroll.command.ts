import type { Command } from 'commander';
import { AGENT_VERSION } from '../version';
import { enroll, EnrollError, EXIT, readEnrollToken } from './enroll';
import { resolveStateDir } from './state-dir';

interface EnrollFlags {
  controller: string;
  token?: string;
  tokenFile?: string;
  ca?: string;
  fingerprint?: string;
  insecure?: boolean;
  force?: boolean;
  stateDir?: string;
  instance?: string;
  timeout: string;
}

/** `enroll --help` lists them; the README says the same. */
export const ENROLL_EXIT_CODES = `
Exit codes:
  0   enrolled: credentials stored in the state directory
  64  usage error (bad option or value, unreadable token file)
  69  controller unreachable (address, network, TLS handshake) within --timeout
  70  the controller answered with an unexpected failure
  73  enrolled, but the credentials could not be written to the state directory
  77  not permitted: the token was rejected (bad, expired, used or revoked), or the controller's
      certificate is not the one --fingerprint names (the token was not sent)
  78  configuration: this host is already enrolled (use --force), or the controller refused
      the enrollment (e.g. the host has an active agent: --force from its state directory, or a
      replacement token)
`;

export function registerEnrollCommand(program: Command): void {
  program
    .command('enroll')
    .description("exchange a one-time enrollment token for this host's own credentials")
    .addHelpText('after', ENROLL_EXIT_CODES)
    .requiredOption(
      '--controller <url>',
      'controller address: grpcs://host:port, or grpc://host:port with --insecure',
    )
    .option(
      '--token-file <file>',
      'file holding the enrollment token (or env LOG4FLEET_ENROLL_TOKEN); both keep it out of ps',
    )
    .option(
      '--token <token>',
      'enrollment token on the command line (visible in ps: prefer the two above)',
    )
    .option(
      '--ca <file>',
      'PEM CA to verify the controller with (without it or --fingerprint, its certificate is trusted on first use)',
    )
    .option(
      '--fingerprint <sha256>',
      "the controller certificate's SHA-256 (sha256:<hex> or openssl's AB:CD:...), checked before the token is sent",
    )
    .option('--insecure', 'allow a plaintext grpc:// controller (local/dev only)')
    .option(
      '--force',
      'enroll again though this host has credentials: their credential proves to the same controller that this host may replace its agent',
    )
    .option(
      '--state-dir <dir>',
      'state directory (env LOG4FLEET_STATE_DIR, default /var/lib/log4fleet-agent)',
    )
    .option(
      '--instance <name>',
      'run one more agent on this machine, as a host of its own (machine id and hostname get "/<name>"): give it its own --state-dir, and run it with that --state-dir',
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
    const token = await readEnrollToken({
      token: flags.token,
      tokenFile: flags.tokenFile,
      env: process.env['LOG4FLEET_ENROLL_TOKEN'],
    });
    const result = await enroll({
      stateDir,
      controllerUrl: flags.controller,
      token,
      caFile: flags.ca,
      fingerprint: flags.fingerprint,
      insecure: flags.insecure === true,
      force: flags.force === true,
      instance: flags.instance,
      agentVersion: AGENT_VERSION,
      timeoutMs: timeoutS * 1000,
    });
    if (result.pinnedFingerprint && result.fingerprintVerified) {
      process.stdout.write(
        `controller certificate sha256 ${result.pinnedFingerprint} verified and pinned\n`,
      );
    } else if (result.pinnedFingerprint) {
      process.stdout.write(
        `pinned controller certificate sha256 ${result.pinnedFingerprint} on first use, unverified\n`,
      );
      process.stdout.write(
        "compare it with the controller's (GET /api/v1/controller-certificate); if it differs, the token went to another server: revoke it, delete the credentials and enroll with --fingerprint or --ca\n",
      );
    }
    if (result.replacedAgentId)
      process.stdout.write(`replaces agent ${result.replacedAgentId} of this host\n`);
    const instance = result.credentials.instance;
    process.stdout.write(
      `enrolled: agent id ${result.credentials.agentId}, host id ${result.credentials.hostId}` +
        `${instance ? ` (instance ${instance} of this machine)` : ''}\n`,
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
