/** Why a quarantine step failed; carried to the controller as the failure code. */
export enum QuarantineErrorCode {
  InvalidSpec = 'INVALID_SPEC',
  NftMissing = 'NFT_MISSING',
  ConntrackMissing = 'CONNTRACK_MISSING',
  NoPermission = 'NO_PERMISSION',
  RulesRejected = 'RULES_REJECTED',
  ResolveFailed = 'RESOLVE_FAILED',
  ReadbackMismatch = 'READBACK_MISMATCH',
  ConntrackFailed = 'CONNTRACK_FAILED',
  ControllerUnreachable = 'CONTROLLER_UNREACHABLE',
  ProbeReachable = 'PROBE_REACHABLE',
  StateIo = 'STATE_IO',
  ToolFailed = 'TOOL_FAILED',
}

export class QuarantineError extends Error {
  constructor(
    readonly code: QuarantineErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'QuarantineError';
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
