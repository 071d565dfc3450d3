import type {
  CommandUpdate,
  EnrollRequest,
  Finding,
  HostFacts,
  ScanError,
  UploadResultsRequest,
} from '@log4fleet/contracts';
import { DomainException } from '../common/domain.exception';
import { storableText } from '../common/path-text';
import {
  AGENT_REPORTED_STATES,
  agentReportedState,
  KindResults,
  PROTOCOL_LIMITS,
} from '@log4fleet/contracts';
import { CommandUpdateInput } from '../commands/commands.dto';
import { HostFactsInput } from '../hosts/hosts.dto';
import type { EnrollInput } from '../enrollment/enroll.service';

// The limits written in the .proto comments (libs/contracts); a message over them is refused whole.
export const LIMITS = PROTOCOL_LIMITS;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CVE = /^CVE-\d{4}-\d{4,7}$/;
const SHA256 = /^[0-9a-f]{64}$/;
const FINDING_STATUSES = new Set(['vulnerable', 'mitigated', 'safe', 'unknown']);
const PRODUCT = new RegExp(`^[a-z0-9][a-z0-9.\\-_]{0,${LIMITS.productBytes - 1}}$`);

const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

function check(ok: boolean, message: string): void {
  if (!ok) throw DomainException.invalid(message);
}

function text(value: string, field: string, max: number, required = false): string {
  check(!required || value.length > 0, `${field} is required`);
  check(bytes(value) <= max, `${field} is over ${max} bytes`);
  return value;
}

/** A name or fact the controller stores and matches: a NUL is refused (PostgreSQL text holds none). */
function fact(value: string, field: string, max: number, required = false): string {
  check(!value.includes('\0'), `${field} holds a NUL character`);
  return text(value, field, max, required);
}

export function validateHostFacts(
  facts: HostFacts | undefined,
  requireMachineId: boolean,
): HostFactsInput {
  check(facts !== undefined, 'host facts are required');
  const f = facts as HostFacts;
  check(
    f.addresses.length <= LIMITS.addresses,
    `host.addresses has ${f.addresses.length} entries, at most ${LIMITS.addresses} allowed`,
  );
  f.addresses.forEach((a, i) => fact(a, `host.addresses[${i}]`, LIMITS.addressBytes));
  return {
    hostname: fact(f.hostname, 'host.hostname', LIMITS.factBytes, true),
    fqdn: fact(f.fqdn, 'host.fqdn', LIMITS.factBytes),
    machineId: fact(f.machineId, 'host.machine_id', LIMITS.machineIdBytes, requireMachineId),
    osName: fact(f.osName, 'host.os_name', LIMITS.factBytes),
    osVersion: fact(f.osVersion, 'host.os_version', LIMITS.factBytes),
    kernel: fact(f.kernel, 'host.kernel', LIMITS.factBytes),
    arch: fact(f.arch, 'host.arch', LIMITS.versionBytes),
    addresses: [...f.addresses],
  };
}

export function validateEnroll(request: EnrollRequest): EnrollInput {
  return {
    token: text(request.token, 'token', LIMITS.tokenBytes, true),
    host: validateHostFacts(request.host, true),
    agentVersion: fact(request.agentVersion, 'agent_version', LIMITS.versionBytes),
    // "<agent_id>.<secret>": 36 + 1 + 64 bytes; a longer one cannot be a credential.
    currentCredential: fact(request.currentCredential ?? '', 'current_credential', 128),
  };
}

/**
 * An agent's report of a command, or null when its state is none an agent reports
 * (AGENT_REPORTED_STATES): that report is ignored, never a reason to end the stream, because the
 * agent sends an unconfirmed final state again on every new stream.
 */
export function validateCommandUpdate(update: CommandUpdate): CommandUpdateInput | null {
  check(
    UUID.test(update.commandId),
    `update.command_id "${update.commandId.slice(0, 64)}" is not a UUID`,
  );
  const state = agentReportedState(update.state);
  if (state === null) return null;
  check(
    update.totalChunks <= LIMITS.totalChunks,
    `update.total_chunks is over ${LIMITS.totalChunks}`,
  );
  return {
    commandId: update.commandId.toLowerCase(),
    state,
    // Free text (an error of the agent): a NUL is stored as U+FFFD rather than losing the report.
    message: storableText(text(update.message, 'update.message', LIMITS.messageBytes)),
    atMs: update.atMs,
    totalChunks: update.totalChunks,
  };
}

/** For a log line: the states an agent may report. */
export const AGENT_STATES_TEXT = AGENT_REPORTED_STATES.join(', ');

export function validateUpload(request: UploadResultsRequest): UploadResultsRequest {
  check(
    UUID.test(request.commandId),
    `command_id "${request.commandId.slice(0, 64)}" is not a UUID`,
  );
  check(
    request.totalChunks >= 1 && request.totalChunks <= LIMITS.totalChunks,
    `total_chunks must be 1-${LIMITS.totalChunks}`,
  );
  check(
    request.sequence < request.totalChunks,
    `sequence ${request.sequence} is not below total_chunks ${request.totalChunks}`,
  );
  check(
    request.findings.length <= LIMITS.findingsPerChunk,
    `${request.findings.length} findings in one chunk; at most ${LIMITS.findingsPerChunk}`,
  );
  check(
    request.errors.length <= LIMITS.errorsPerChunk,
    `${request.errors.length} errors in one chunk; at most ${LIMITS.errorsPerChunk}`,
  );
  request.findings.forEach((f, i) => validateFinding(f, `findings[${i}]`));
  request.errors.forEach((e, i) => validateScanError(e, `errors[${i}]`));
  if (request.kindResults) {
    const bytes = KindResults.encode(request.kindResults).finish().length;
    check(
      bytes <= LIMITS.kindResultsBytes,
      `kind_results is ${bytes} bytes in one chunk; at most ${LIMITS.kindResultsBytes}`,
    );
  }
  return { ...request, commandId: request.commandId.toLowerCase() };
}

function validateChain(chain: Uint8Array[], field: string): void {
  check(
    chain.length >= 1 && chain.length <= LIMITS.chainElements,
    `${field}.chain must have 1-${LIMITS.chainElements} elements`,
  );
  chain.forEach((element, i) =>
    check(
      element.length <= LIMITS.chainElementBytes,
      `${field}.chain[${i}] is over ${LIMITS.chainElementBytes} bytes`,
    ),
  );
}

function validateFinding(f: Finding, field: string): void {
  validateChain(f.chain, field);
  check(
    PRODUCT.test(f.product),
    `${field}.product "${f.product.slice(0, 40)}" is not a product name`,
  );
  text(f.version, `${field}.version`, LIMITS.versionBytes);
  check(
    FINDING_STATUSES.has(f.status),
    `${field}.status "${f.status.slice(0, 20)}" is not vulnerable, mitigated, safe or unknown`,
  );
  check(f.cves.length <= LIMITS.cves, `${field}.cves has more than ${LIMITS.cves} entries`);
  f.cves.forEach((cve, i) => check(CVE.test(cve), `${field}.cves[${i}] is not a CVE id`));
  check(
    f.evidence.length <= LIMITS.evidence,
    `${field}.evidence has more than ${LIMITS.evidence} entries`,
  );
  f.evidence.forEach((e, i) => text(e, `${field}.evidence[${i}]`, LIMITS.evidenceBytes));
  text(f.packageRoot, `${field}.package_root`, LIMITS.packageRootBytes);
  check(f.sha256 === '' || SHA256.test(f.sha256), `${field}.sha256 is not lowercase hex sha256`);
}

function validateScanError(e: ScanError, field: string): void {
  validateChain(e.chain, field);
  text(e.code, `${field}.code`, LIMITS.errorCodeBytes, true);
  text(e.message, `${field}.message`, LIMITS.messageBytes);
}
